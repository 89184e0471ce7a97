using MetaEvolve.Testing;

namespace MetaEvolve.Packaging.Tests;

/// <summary>Runs <c>nats-server -t</c> on a configuration the chart rendered, with its JetStream store in a scratch directory.</summary>
internal static class NatsServerConfigCheck
{
    /// <summary>The store directory the chart writes by default (region.nats.storeDir); nats-server -t checks that it exists.</summary>
    public const string DefaultStoreDir = "/data";

    public static async Task<ToolRun> RunAsync(string configuration)
    {
        var scratch = Directory.CreateTempSubdirectory("metaevolve-nats-config-");
        try
        {
            var file = Path.Combine(scratch.FullName, "nats.conf");
            await File.WriteAllTextAsync(file, configuration.Replace($"\"{DefaultStoreDir}\"", $"\"{scratch.FullName}\"", StringComparison.Ordinal), TestContext.Current.CancellationToken);
            return await ToolRun.RunAsync(RequiredTools.NatsServer(), ["-t", "-c", file]);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
