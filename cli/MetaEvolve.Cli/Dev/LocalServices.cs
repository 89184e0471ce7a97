using System.Diagnostics;

namespace MetaEvolve.Cli.Dev;

/// <summary>
/// NATS, PostgreSQL and Redis through the project's <c>hack/services.sh</c>, which installs what is
/// missing and honours the METAEVOLVE_* port variables. Only services this run started are stopped.
/// </summary>
public sealed class LocalServices(string root, TextWriter output)
{
    private string Script => Path.Combine(root, "hack", "services.sh");

    public bool Available => File.Exists(Script);

    /// <summary>Whether all three already run (then this run leaves them running on exit).</summary>
    public async Task<bool> RunningAsync(CancellationToken cancellationToken) =>
        (await RunAsync("status", echo: false, cancellationToken)).ExitCode == 0;

    /// <summary>Starts them; returns the export lines (connection settings) the script prints.</summary>
    public async Task<IReadOnlyList<string>> UpAsync(CancellationToken cancellationToken)
    {
        var (code, stdout) = await RunAsync("up", echo: true, cancellationToken);
        if (code != 0)
        {
            throw new InvalidOperationException($"hack/services.sh up failed with exit code {code}");
        }

        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("export ", StringComparison.Ordinal)).ToList();
    }

    public async Task DownAsync(CancellationToken cancellationToken) => await RunAsync("down", echo: true, cancellationToken);

    private async Task<(int ExitCode, string Stdout)> RunAsync(string verb, bool echo, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add(verb);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start bash");
        process.StandardInput.Close();
        process.ErrorDataReceived += (_, e) =>
        {
            if (echo && e.Data is { Length: > 0 } line)
            {
                output.WriteLine($"      {line}");
            }
        };
        process.BeginErrorReadLine();
        var stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, stdout);
    }
}
