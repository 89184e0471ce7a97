namespace MetaEvolve.DevCluster.Local;

/// <summary>The checkout: the nearest folder upwards holding MetaEvolve.sln (where crds/, samples/ and the builds are).</summary>
public static class RepositoryRoot
{
    /// <summary>The checkout this assembly was built in (tests and benchmarks run from its bin/ folder).</summary>
    public static string Path => BuiltIn.Value;

    private static readonly Lazy<string> BuiltIn = new(() => Find(AppContext.BaseDirectory)
        ?? throw new DirectoryNotFoundException($"MetaEvolve.sln not found above {AppContext.BaseDirectory}"));

    /// <summary>The checkout holding <paramref name="start"/>, or null when it is not inside one.</summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "MetaEvolve.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>A path inside the checkout this assembly was built in.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>
    /// The built assembly of one of the checkout's projects, e.g. (<c>agent-runtime</c>, <c>MetaEvolve.AgentRuntime</c>),
    /// in the configuration the caller was built with; a missing build is an error that says so.
    /// </summary>
    public static string BuiltAssembly(string folder, string project, string configuration)
    {
        var path = Combine(folder, project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build {project} ({configuration}) first", path);
    }
}
