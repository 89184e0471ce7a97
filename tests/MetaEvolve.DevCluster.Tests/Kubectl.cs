using System.Diagnostics;
using MetaEvolve.Testing;

namespace MetaEvolve.DevCluster.Tests;

/// <summary>
/// Runs a real, versioned kubectl binary (kubectl.1.27 … kubectl.1.33 from the preinstalled package)
/// against a dev control plane, with its own kubeconfig, HOME and discovery cache per test.
/// </summary>
public sealed class Kubectl
{
    private readonly string _binary;
    private readonly string _home;
    private readonly string _kubeconfig;

    public Kubectl(string binary, DevClusterHost host, string user = "kubectl-user")
        : this(binary, host.Server, Path.Combine(host.Directory, "home-" + Path.GetFileName(binary)), "default", user)
    {
    }

    /// <param name="binary">A versioned kubectl, from <see cref="Binary"/>.</param>
    /// <param name="server">The API server.</param>
    /// <param name="home">This kubectl's own HOME, kubeconfig and discovery cache.</param>
    /// <param name="ns">The kubeconfig context's namespace.</param>
    /// <param name="user">The user whose token kubectl sends (the dev API server records requests by it).</param>
    public Kubectl(string binary, DevApiServer server, string home, string ns, string user = "kubectl-user")
    {
        _binary = binary;
        _home = home;
        Directory.CreateDirectory(_home);
        _kubeconfig = Path.Combine(_home, "kubeconfig");
        Kubeconfig.Write(_kubeconfig, server.KubeconfigFor(user, ns));
    }

    /// <summary>This kubectl's kubeconfig (other clients under test may use it as that user).</summary>
    public string KubeconfigPath => _kubeconfig;

    /// <summary>The binary for a minor version; fails the test under CI when it is missing, skips otherwise.</summary>
    public static string Binary(int minor) => RequiredTools.Kubectl(minor);

    public async Task<KubectlResult> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    /// <summary>Runs kubectl, asserts success and returns stdout.</summary>
    public async Task<string> OkAsync(params string[] args) => (await RunAsync(args)).Ok();

    public async Task<KubectlResult> RunWithInputAsync(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(_kubeconfig);
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(Path.Combine(_home, "cache"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["HOME"] = _home;
        info.Environment.Remove("KUBECONFIG");
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new KubectlResult(process.ExitCode, await stdout, await stderr, string.Join(' ', args));
    }
}

public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr, string Command)
{
    /// <summary>Asserts success and returns stdout; the message shows everything kubectl said.</summary>
    public string Ok()
    {
        Assert.True(ExitCode == 0, $"kubectl {Command} exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        return Stdout;
    }

    /// <summary>Asserts failure and returns stderr.</summary>
    public string Failed()
    {
        Assert.True(ExitCode != 0, $"kubectl {Command} unexpectedly succeeded\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        return Stderr;
    }
}
