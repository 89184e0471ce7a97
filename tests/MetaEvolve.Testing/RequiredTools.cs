using MetaEvolve.DevCluster.Local;
using Xunit;

namespace MetaEvolve.Testing;

/// <summary>
/// The external programs tests drive. hack/test.sh installs helm and lua5.1 (hack/tools.sh all); the versioned kubectl
/// binaries come with the machine. When one is missing the test fails under CI=true and is skipped elsewhere, naming
/// what provides it.
/// </summary>
public static class RequiredTools
{
    /// <summary>bin/helm, pinned by hack/tools.sh (HELM overrides the path).</summary>
    public static string Helm() => Require(
        Environment.GetEnvironmentVariable("HELM") is { Length: > 0 } helm ? helm : RepositoryRoot.Combine("bin", "helm"),
        "helm", "run `hack/tools.sh helm` (hack/test.sh does)");

    /// <summary>Lua 5.1, Argo CD's health-check interpreter.</summary>
    public static string Lua() => Require(OnPath("lua5.1") ?? "lua5.1", "lua5.1", "run `hack/tools.sh lua` (hack/test.sh does)");

    /// <summary>nats-server (2.9 from apt), which hack/services.sh installs before it starts NATS.</summary>
    public static string NatsServer() => Require(OnPath("nats-server") ?? "/usr/sbin/nats-server", "nats-server", "run `hack/services.sh up` (make test does)");

    /// <summary>kubectl 1.&lt;minor&gt; (kubectl.1.27 … kubectl.1.33), on PATH or where the google-cloud-cli package puts them.</summary>
    public static string Kubectl(int minor)
    {
        var binary = $"kubectl.1.{minor}";
        return Require(OnPath(binary) ?? Path.Combine("/usr/lib/google-cloud-sdk/bin", binary), binary,
            "the google-cloud-cli kubectl package provides it");
    }

    private static string Require(string path, string name, string install)
    {
        if (File.Exists(path))
        {
            return path;
        }

        var problem = $"{name} not found at {path}: {install}";
        if (Services.IsCi)
        {
            Assert.Fail(problem);
        }

        Assert.Skip(problem);
        return path;
    }

    private static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
