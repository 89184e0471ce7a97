using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.Packaging.Tests;

/// <summary>
/// The external programs these tests drive. hack/test.sh installs them (hack/tools.sh all); when one is missing
/// the test fails under CI=true and is skipped elsewhere, naming the command that installs it.
/// </summary>
internal static class RequiredTools
{
    /// <summary>bin/helm, pinned by hack/tools.sh (HELM overrides the path).</summary>
    public static string Helm() => Require(
        Environment.GetEnvironmentVariable("HELM") is { Length: > 0 } helm ? helm : RepositoryRoot.Combine("bin", "helm"),
        "helm", "hack/tools.sh helm");

    /// <summary>Lua 5.1, Argo CD's health-check interpreter.</summary>
    public static string Lua() => Require(OnPath("lua5.1") ?? "lua5.1", "lua5.1", "hack/tools.sh lua");

    private static string Require(string path, string name, string install)
    {
        if (File.Exists(path))
        {
            return path;
        }

        var problem = $"{name} not found at {path}: run `{install}` (hack/test.sh does)";
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
