using System.Diagnostics;
using MetaEvolve.Core.Packaging;

namespace MetaEvolve.Cli.Tests;

/// <summary>
/// The built <c>metaevolve</c> executable, started by its path as a user's shell starts it (the other tests drive
/// the command tree in process): exit codes and output must survive the real process boundary.
/// </summary>
public class CommandByPathTests
{
    private static readonly string Command = Path.Combine(AppContext.BaseDirectory, "metaevolve");

    [Fact]
    public async Task Version_prints_the_command_name_and_the_product_version()
    {
        var (exit, output) = await RunAsync("--version");

        Assert.Equal(0, exit);
        Assert.Equal($"metaevolve {ProductVersion.Current}", output.Trim());
    }

    [Fact]
    public async Task Skill_test_exits_0_when_every_test_passes_and_1_when_one_fails()
    {
        var (passed, passOutput) = await RunAsync("skill", "test", CliRun.Manifest("passing.yaml"));
        var (failed, failOutput) = await RunAsync("skill", "test", CliRun.Manifest("failing.yaml"));

        Assert.True(passed == 0, passOutput);
        Assert.Contains("PASS ", passOutput, StringComparison.Ordinal);
        Assert.True(failed == 1, failOutput);
        Assert.Contains("FAIL ", failOutput, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}
