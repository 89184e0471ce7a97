using System.Diagnostics;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Packaging.Tests;

/// <summary>One finished run of an external program: its exit code and what it printed.</summary>
internal sealed record ToolRun(int ExitCode, string Output, string Error)
{
    public static async Task<ToolRun> RunAsync(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? RepositoryRoot.Path,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var cancellationToken = TestContext.Current.CancellationToken;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new ToolRun(process.ExitCode, await output, await error);
    }
}
