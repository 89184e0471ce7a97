using System.Diagnostics;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>A real kubectl binary (the versioned ones of the preinstalled package) with its own kubeconfig and cache.</summary>
internal sealed class Kubectl
{
    private readonly string _binary;
    private readonly string _home;
    private readonly string _kubeconfig;

    public Kubectl(Uri server, string directory, string ns, string user = "kubectl-user")
    {
        _binary = Binary();
        _home = Path.Combine(directory, "kubectl-home");
        Directory.CreateDirectory(_home);
        _kubeconfig = Path.Combine(_home, "kubeconfig");
        File.WriteAllText(_kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: dev
              cluster:
                server: {server.ToString().TrimEnd('/')}
            users:
            - name: {user}
              user:
                token: {user}
            contexts:
            - name: dev
              context:
                cluster: dev
                user: {user}
                namespace: {ns}
            current-context: dev
            """);
    }

    private static string Binary()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/lib/google-cloud-sdk/bin"))
        {
            var path = Path.Combine(dir, "kubectl.1.33");
            if (File.Exists(path))
            {
                return path;
            }
        }

        var message = "kubectl.1.33 is not installed (the google-cloud-cli kubectl package provides it)";
        if (Services.IsCi)
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return "";
    }

    public async Task<string> OkAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        return stdout;
    }

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(_binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(_kubeconfig);
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(Path.Combine(_home, "cache"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = _home;
        info.Environment.Remove("KUBECONFIG");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
