namespace MetaEvolve.Bench;

/// <summary>The checkout the benchmark was built in: where the built services, crds/ and samples/ are found.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MetaEvolve.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("MetaEvolve.sln not found above " + AppContext.BaseDirectory + "; pass the dll paths as options");
    }
}
