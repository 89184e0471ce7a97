using System.Diagnostics;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.Release.Tests;

/// <summary>
/// The real helm (bin/helm, pinned by hack/tools.sh) and kubectl (1.33, the newest the machine carries) against one
/// cluster's kubeconfig, each with a HOME of its own so a developer's configuration and caches are never touched.
/// </summary>
public sealed class ClusterTools(string kubeconfig, string home)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The kubeconfig helm and kubectl use.</summary>
    public string Kubeconfig => kubeconfig;

    /// <summary>Runs helm; fails the test with everything helm printed unless it succeeds.</summary>
    public Task<string> HelmAsync(params IEnumerable<string> arguments) =>
        RunAsync(RequiredTools.Helm(), ["--kubeconfig", kubeconfig, .. arguments]);

    /// <summary>Runs kubectl; fails the test with everything kubectl printed unless it succeeds.</summary>
    public Task<string> KubectlAsync(params IEnumerable<string> arguments) =>
        RunAsync(RequiredTools.Kubectl(33), ["--kubeconfig", kubeconfig, .. arguments]);

    private async Task<string> RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Directory.CreateDirectory(home);
        start.Environment["HOME"] = home;
        start.Environment.Remove("KUBECONFIG");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(CommandTimeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var command = $"{Path.GetFileName(program)} {string.Join(' ', start.ArgumentList.Skip(2))}";
        Assert.True(process.ExitCode == 0, $"`{command}` exited with {process.ExitCode}:\n{await output}\n{await error}");
        return await output;
    }
}
