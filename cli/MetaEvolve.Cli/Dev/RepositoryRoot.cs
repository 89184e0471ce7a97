namespace MetaEvolve.Cli.Dev;

/// <summary>Finds the checkout: the nearest folder upwards holding MetaEvolve.sln.</summary>
public static class RepositoryRoot
{
    public static string Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MetaEvolve.sln")))
            {
                return dir.FullName;
            }
        }

        return start;
    }
}
