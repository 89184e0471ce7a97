namespace MetaEvolve.DevCluster.Tests;

/// <summary>The README block extractor reads commands as the shell would: continued lines joined, comments apart.</summary>
public sealed class ReadmeShellBlockTests
{
    private const string Markdown = """
        Some text.

        ```sh
        echo not this block
        ```

        **Try it** like this:

        ```sh
        export A=$PWD/x
        # a comment line is no command
        tool call "a # b" 'c # d' \
          more=args --wait     # 5

        kubectl get thing       # STATE: Pending
        ```

        ```sh
        echo nor this one
        ```
        """;

    [Fact]
    public void Commands_of_the_block_after_the_marker_join_continued_lines_and_keep_trailing_comments_apart()
    {
        var commands = ReadmeShellBlock.After(Markdown, "**Try it**");

        Assert.Equal(
            [
                new ReadmeCommand(10, "export A=$PWD/x", null),
                new ReadmeCommand(12, "tool call \"a # b\" 'c # d' more=args --wait", "5"),
                new ReadmeCommand(15, "kubectl get thing", "STATE: Pending"),
            ],
            commands);
    }

    [Fact]
    public void A_missing_marker_or_block_is_an_error_not_an_empty_list()
    {
        Assert.Throws<InvalidOperationException>(() => ReadmeShellBlock.After(Markdown, "**Not there**"));
        Assert.Throws<InvalidOperationException>(() => ReadmeShellBlock.After("**Try it** and no block", "**Try it**"));
    }
}
