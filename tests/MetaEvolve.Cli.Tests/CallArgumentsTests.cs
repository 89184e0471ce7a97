using System.Text.Json;
using MetaEvolve.Cli.Tasks;

namespace MetaEvolve.Cli.Tests;

/// <summary><c>metaevolve call</c>'s name=value arguments: inline JSON or string, values read from files, and errors that name the argument.</summary>
public sealed class CallArgumentsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("metaevolve-call-args-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Inline_values_are_json_when_they_parse_and_strings_otherwise()
    {
        var arguments = CallArguments.Parse(["count=5", "flag=true", "text=hello world", "literal=@@handle"], _directory);

        Assert.Equal(JsonValueKind.Number, arguments["count"].ValueKind);
        Assert.Equal(JsonValueKind.True, arguments["flag"].ValueKind);
        Assert.Equal("hello world", arguments["text"].GetString());
        Assert.Equal("@handle", arguments["literal"].GetString());
    }

    [Fact]
    public void At_path_reads_source_as_a_string_and_a_json_file_as_json()
    {
        const string source = "public sealed class S\n{\n    [KernelFunction] public string Run(string text) => \"\\\"\" + text;\n}\n";
        File.WriteAllText(Path.Combine(_directory, "skill.cs"), source);
        File.WriteAllText(Path.Combine(_directory, "tests.json"), """[{"function": "Run", "expect": {"equals": "x"}}]""");

        var arguments = CallArguments.Parse(["source=@skill.cs", "tests=@tests.json"], _directory);

        Assert.Equal(source, arguments["source"].GetString());
        Assert.Equal("Run", arguments["tests"][0].GetProperty("function").GetString());
    }

    [Fact]
    public void A_missing_file_or_a_json_file_that_does_not_parse_names_the_argument()
    {
        File.WriteAllText(Path.Combine(_directory, "bad.json"), "[\n  {\"function\": }\n]");

        var missing = Assert.Throws<GatewaySettingsException>(() => CallArguments.Parse(["source=@nope.cs"], _directory));
        var broken = Assert.Throws<GatewaySettingsException>(() => CallArguments.Parse(["tests=@bad.json"], _directory));

        Assert.StartsWith("argument 'source': cannot read ", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith("argument 'tests': ", broken.Message, StringComparison.Ordinal);
        Assert.Contains("is not JSON: line 2", broken.Message, StringComparison.Ordinal);
    }
}
