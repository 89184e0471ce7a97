using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.DevCluster.Tests;

/// <summary>
/// The README's self-evolution "Try it" block, read from README.md at test time and run as written — one bash, in a
/// checkout like a fresh clone, against <c>make run</c>'s dev up — and its comments' claims checked against what each
/// command printed.
/// </summary>
[Trait(Services.Trait, Services.Needed)] // dev up starts its own services here
public sealed partial class ReadmeEvolutionDemoTests
{
    private const string Marker = "**Try it** with `make run` running";
    private const string ProposeSkill = "evolution.ProposeSkill";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What one command of the block printed (stdout and stderr, in order) and how it exited.</summary>
    private sealed record CommandRun(ReadmeCommand Command, int ExitCode, string Output);

    [Fact]
    public async Task The_readme_self_evolution_demo_works_as_written_against_make_run()
    {
        var commands = ReadmeShellBlock.After(await File.ReadAllTextAsync(RepositoryRoot.Combine("README.md"), Ct), Marker);
        var kubectl = Kubectl.Binary(33);
        var root = FreshClone();
        var bin = CommandsOnPath(root, kubectl);

        await using var devUp = DevUpProcess.StartIsolated(root);
        try
        {
            await devUp.WaitForOutputAsync("Ready.");
            // The pool that runs the demo's agent is up, as it is by the time a reader turns to a second shell.
            var (exit, output) = await RunBashAsync(root, bin, "kubectl wait --for=condition=Ready agentpool/general --timeout=180s --kubeconfig .metaevolve/kubeconfig", TimeSpan.FromMinutes(4));
            Assert.True(exit == 0, $"the pool general is not Ready: {output}\n{devUp.Snapshot()}");

            var runs = await RunBlockAsync(root, bin, commands);
            var transcript = string.Join("\n", runs.Select(r => $"$ {r.Command.Text}\n{r.Output}[exit {r.ExitCode}]"));
            string Context() => $"\n--- the block ran:\n{transcript}\n--- dev up:\n{devUp.Snapshot()}\n--- operator.log (tail):\n{Tail(Path.Combine(root, ".metaevolve", "operator.log"))}";

            foreach (var command in commands)
            {
                var run = runs.FirstOrDefault(r => r.Command == command);
                Assert.True(run is { ExitCode: 0 }, $"README line {command.Line}: `{command.Text}` " + (run is null ? "did not run" : $"exited {run.ExitCode}") + Context());
            }

            var proposals = runs.Where(r => r.Command.Text.Contains(ProposeSkill, StringComparison.Ordinal)).ToList();
            Assert.True(proposals.Count == 3, $"the block proposes three times (broken, 1.0.0, 1.0.1){Context()}");
            Assert.True(proposals[0].Output.Contains("Rejected", StringComparison.Ordinal) && proposals[0].Output.Contains("CS1061", StringComparison.Ordinal),
                $"the broken proposal is rejected with the compiler's CS1061{Context()}");
            Assert.All(proposals.Skip(1), p => Assert.True(p.Output.Contains("PendingApproval", StringComparison.Ordinal), $"`{p.Command.Text}` waits for approval (Manual){Context()}"));

            // "# 5": the README's claim about the skill's result, which a direct call prints as {"skill": …, "result": "5"}.
            var calls = runs.Where(r => r.Command.Text.StartsWith("metaevolve call ", StringComparison.Ordinal) && r.Command.Comment is { } c && Number().IsMatch(c)).ToList();
            Assert.True(calls.Select(r => r.Command.Comment).SequenceEqual(["5", "3", "5"]), $"the block claims 5, 3, 5 for its calls{Context()}");
            Assert.All(calls, r => Assert.True(CallResult(r.Output) == r.Command.Comment,
                $"README line {r.Command.Line}: `{r.Command.Text}` printed {r.Output.Trim()}, the comment says {r.Command.Comment}{Context()}"));

            // "# APPROVAL: Pending": the column of kubectl's table holds that value.
            var claims = runs.Where(r => r.Command.Text.StartsWith("kubectl get ", StringComparison.Ordinal) && r.Command.Comment is { } c && ColumnClaim().IsMatch(c)).ToList();
            Assert.NotEmpty(claims);
            foreach (var claim in claims)
            {
                var match = ColumnClaim().Match(claim.Command.Comment!);
                Assert.True(Column(claim.Output, match.Groups["column"].Value) == match.Groups["value"].Value,
                    $"README line {claim.Command.Line}: `{claim.Command.Text}` printed\n{claim.Output}the comment says {claim.Command.Comment}{Context()}");
            }

            var rollback = Assert.Single(runs, r => r.Command.Text.StartsWith("metaevolve skill rollback ", StringComparison.Ordinal));
            Assert.True(rollback.Output.Contains("rolled back", StringComparison.Ordinal), $"rollback says what it did{Context()}");

            // The agent's three proposals, newest first: both approved versions Published, the broken one Rejected with its diagnostic.
            var listing = Assert.Single(runs, r => r.Command.Text.StartsWith("metaevolve skill proposals", StringComparison.Ordinal));
            var states = Lines(listing.Output).Where(line => line.Contains("evolver", StringComparison.Ordinal) && line.Contains("letter-count", StringComparison.Ordinal))
                .Select(row => Columns().Split(row.Trim())[4]).ToList();
            Assert.True(states.SequenceEqual(["Published", "Published", "Rejected"]) && listing.Output.Contains("CS1061", StringComparison.Ordinal),
                $"the listing shows the agent's proposals: Published, Published, Rejected with CS1061{Context()}");

            // Printed to be redirected into a file for Git: the Skill under the CRD's field names, ending in a newline.
            var export = Assert.Single(runs, r => r.Command.Text.StartsWith("metaevolve skill export ", StringComparison.Ordinal));
            Assert.True(export.Output.Contains("kind: Skill", StringComparison.Ordinal) && export.Output.Contains("name: letter-count", StringComparison.Ordinal)
                && export.Output.Contains("\n  csharp:", StringComparison.Ordinal) && export.Output.EndsWith('\n'), $"export prints the Skill as a YAML file to apply{Context()}");
        }
        finally
        {
            await devUp.TerminateAsync();
        }
    }

    /// <summary>
    /// A checkout as a fresh clone has it for <c>make run</c>: the repository's crds/ and samples/ (subfolders too), the
    /// projects dev up runs, and no .metaevolve/ until dev up writes its own.
    /// </summary>
    private static string FreshClone()
    {
        var root = Directory.CreateTempSubdirectory("readme-demo-").FullName;
        foreach (var folder in new[] { "crds", "samples", "operator", "agent-runtime", "gateway", "hack" })
        {
            Directory.CreateSymbolicLink(Path.Combine(root, folder), RepositoryRoot.Combine(folder));
        }

        return root;
    }

    /// <summary>A folder for PATH with <c>metaevolve</c> (the built CLI, as <c>make install-cli</c> would put it there) and <c>kubectl</c>.</summary>
    private static string CommandsOnPath(string root, string kubectl)
    {
        var cli = RepositoryRoot.Combine("cli", "MetaEvolve.Cli", "bin", BuiltServices.Configuration, "net10.0", "metaevolve.dll");
        Assert.True(File.Exists(cli), $"{cli} is missing: build cli/MetaEvolve.Cli first");
        var bin = Directory.CreateDirectory(Path.Combine(root, ".path")).FullName;
        var metaevolve = Path.Combine(bin, "metaevolve");
        File.WriteAllText(metaevolve, $"#!/bin/sh\nexec dotnet '{cli}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(metaevolve, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.CreateSymbolicLink(Path.Combine(bin, "kubectl"), kubectl);
        return bin;
    }

    /// <summary>
    /// Runs the commands in one bash, so <c>export</c> carries over, in <paramref name="root"/> (so <c>$PWD/.metaevolve/…</c>
    /// are this dev up's kubeconfig and gateway.json); stops at the first failure. A marker line after each command
    /// carries its exit code and splits the output.
    /// </summary>
    private static async Task<List<CommandRun>> RunBlockAsync(string root, string bin, IReadOnlyList<ReadmeCommand> commands)
    {
        var script = new StringBuilder("exec 2>&1\n");
        for (var i = 0; i < commands.Count; i++)
        {
            script.Append(CultureInfo.InvariantCulture, $"{commands[i].Text}\nstatus=$?\necho \"{MarkerPrefix}{i} $status\"\n[ \"$status\" -eq 0 ] || exit \"$status\"\n");
        }

        var (_, output) = await RunBashAsync(root, bin, script.ToString(), TimeSpan.FromMinutes(8));
        var runs = new List<CommandRun>();
        var current = new StringBuilder();
        foreach (var line in Lines(output))
        {
            // Output without a final newline runs into the marker; it stays the command's, as it is.
            var marker = line.IndexOf(MarkerPrefix, StringComparison.Ordinal);
            if (marker >= 0)
            {
                var parts = line[(marker + MarkerPrefix.Length)..].Split(' ');
                current.Append(line[..marker]);
                runs.Add(new CommandRun(commands[int.Parse(parts[0], CultureInfo.InvariantCulture)], int.Parse(parts[1], CultureInfo.InvariantCulture), current.ToString()));
                current.Clear();
            }
            else
            {
                current.Append(line).Append('\n');
            }
        }

        return runs;
    }

    private const string MarkerPrefix = "@@readme-command-done ";

    /// <summary>
    /// <c>bash -c <paramref name="script"/></c> in <paramref name="root"/> with <paramref name="bin"/> first on PATH, HOME
    /// there too (kubectl's cache), and none of a developer's settings that would point the CLI elsewhere.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> RunBashAsync(string root, string bin, string script, TimeSpan limit)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = root };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.Environment["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        info.Environment["HOME"] = root;
        foreach (var name in new[] { "KUBECONFIG", "METAEVOLVE_CONFIG", "METAEVOLVE_GATEWAY_URL", "METAEVOLVE_API_KEY", "METAEVOLVE_NAMESPACE" })
        {
            info.Environment.Remove(name);
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// The value in <paramref name="column"/> of the first row of a kubectl table, read by the header's offsets (kubectl
    /// aligns columns left, and an empty cell leaves only spaces).
    /// </summary>
    private static string? Column(string table, string column)
    {
        var lines = Lines(table).Where(line => line.Trim().Length > 0).ToList();
        var header = lines.Count > 1 ? Regex.Match(lines[0], $"(?<=^|\\s){Regex.Escape(column)}(\\s+|$)") : Match.Empty;
        if (!header.Success || lines[1].Length <= header.Index)
        {
            return null;
        }

        var end = header.Index + header.Length;
        var row = lines[1];
        return (end < row.Length && end < lines[0].Length ? row[header.Index..end] : row[header.Index..]).Trim();
    }

    /// <summary>The <c>result</c> a direct call printed (<c>{"skill": …, "result": …}</c>), or what it printed when that is not JSON.</summary>
    private static string? CallResult(string output)
    {
        try
        {
            return JsonNode.Parse(output) is JsonObject call && call["result"] is JsonValue result ? result.ToString() : output.Trim();
        }
        catch (JsonException)
        {
            return output.Trim();
        }
    }

    private static string[] Lines(string text) => text.Split('\n').Select(line => line.TrimEnd('\r')).ToArray();

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join("\n", File.ReadLines(path).TakeLast(60)) : "(none)";

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex Number();

    [GeneratedRegex("^(?<column>[A-Z][A-Z-]*): (?<value>\\S+)$")]
    private static partial Regex ColumnClaim();

    [GeneratedRegex(" {2,}")]
    private static partial Regex Columns();
}
