namespace MetaEvolve.Operator.Tests;

/// <summary>The checkout this test runs from (the folder holding MetaEvolve.sln).</summary>
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

        throw new InvalidOperationException("MetaEvolve.sln not found above " + AppContext.BaseDirectory);
    }
}
