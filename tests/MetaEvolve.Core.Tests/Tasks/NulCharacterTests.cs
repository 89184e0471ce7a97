using System.Text.Json;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.Core.Tests.Tasks;

/// <summary>U+0000 never reaches a batch write: refused in task input, refused in output, replaced in error text.</summary>
public class NulCharacterTests
{
    [Theory]
    [InlineData("{\"s\":\"a\\u0000b\"}", true)]
    [InlineData("{\"s\":\"a\\\\\\u0000b\"}", true)] // an escaped backslash, then the escape
    [InlineData("{\"s\":\"a\\\\u0000b\"}", false)] // an escaped backslash followed by the letters u0000
    [InlineData("{\"s\":\"a\u0000b\"}", true)]
    [InlineData("{\"s\":\"\\u0001\"}", false)]
    [InlineData(null, false)]
    public void Json_text_holds_nul_only_as_a_raw_character_or_an_unescaped_escape(string? json, bool expected) =>
        Assert.Equal(expected, NulCharacter.InJson(json));

    [Fact]
    public void An_output_carrying_nul_is_not_recorded_and_the_task_fails_saying_why()
    {
        var id = TaskIds.NewId();

        var stored = new TaskCompletion(id, TaskStates.Succeeded, OutputJson: "{\"result\":\"a\\u0000b\"}").ForStore();

        Assert.Equal(TaskStates.Failed, stored.Status);
        Assert.Null(stored.OutputJson);
        Assert.Equal("the result was not recorded: it contains U+0000 (NUL), which PostgreSQL cannot store", stored.Error);
    }

    [Fact]
    public void An_error_keeps_its_text_with_nul_replaced()
    {
        var stored = new TaskCompletion(TaskIds.NewId(), TaskStates.Failed, Error: "boom\0here").ForStore();

        Assert.Equal(TaskStates.Failed, stored.Status);
        Assert.Equal("boom\uFFFDhere", stored.Error);
    }

    [Fact]
    public void A_clean_completion_is_stored_as_it_is()
    {
        var completion = new TaskCompletion(TaskIds.NewId(), TaskStates.Succeeded, OutputJson: "{\"result\":\"a\\\\u0000\"}");

        Assert.Equal(completion, completion.ForStore());
    }

    [Theory]
    [InlineData("message", "input.message contains U+0000")]
    [InlineData("arguments", "input.call.arguments contains U+0000")]
    [InlineData("thread", "threadId contains U+0000")]
    [InlineData("key", "idempotencyKey contains U+0000")]
    public void An_envelope_carrying_nul_is_refused_naming_the_field(string where, string expected)
    {
        var envelope = new TaskEnvelope
        {
            Id = TaskIds.NewId(),
            Namespace = "default",
            Pool = "p",
            Agent = "a",
            Input = where switch
            {
                "message" => TaskInput.Chat("hi\0"),
                "arguments" => TaskInput.Direct("system", "echo", JsonDocument.Parse("{\"message\":\"a\\u0000\"}").RootElement.Clone()),
                _ => TaskInput.Chat("hi"),
            },
            ThreadId = where == "thread" ? "t\0" : null,
            IdempotencyKey = where == "key" ? "k\0" : null,
        };

        var error = Assert.Throws<InvalidTaskException>(() => TaskEnvelopeCodec.Validate(envelope));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }
}
