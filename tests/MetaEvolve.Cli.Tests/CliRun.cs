namespace MetaEvolve.Cli.Tests;

/// <summary>Runs the real <c>metaevolve</c> command tree in process and captures what it prints.</summary>
internal sealed record CliRun(int ExitCode, IReadOnlyList<string> Lines, string Error)
{
    public static string Manifest(string name) => Path.Combine(AppContext.BaseDirectory, "Manifests", name);

    public static async Task<CliRun> SkillTestAsync(string file, params string[] options)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await MetaEvolveCommand.RunAsync(["skill", "test", file, .. options], output, error, TestContext.Current.CancellationToken);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        return new CliRun(exit, lines, error.ToString());
    }

    /// <summary>Writes a CSharp Skill manifest around <paramref name="source"/> (as a literal block scalar) with one test.</summary>
    public static string WriteCSharpSkill(string source, string function = "Run")
    {
        var indented = string.Join('\n', source.Split('\n').Select(l => l.Length == 0 ? l : "      " + l));
        var yaml = $"""
            apiVersion: metaevolve.io/v1alpha1
            kind: Skill
            metadata:
              name: escape
            spec:
              type: CSharp
              csharp:
                source: |
            {indented}
              tests:
                - function: {function}
                  expect:
                    equals: "never"

            """;
        var path = Path.Combine(Path.GetTempPath(), $"metaevolve-cli-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
