namespace MetaEvolve.Packaging.Tests;

/// <summary>The checkout the tests run from, found by walking up to MetaEvolve.sln.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "MetaEvolve.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No MetaEvolve.sln above {AppContext.BaseDirectory}.");
    }

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
}
