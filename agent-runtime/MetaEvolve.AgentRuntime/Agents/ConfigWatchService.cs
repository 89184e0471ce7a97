using System.Text.Json;
using MetaEvolve.Core.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Watches the config bucket (<see cref="ConfigNotices"/>) and reloads what changed: <c>agent.&lt;ns&gt;.&lt;name&gt;</c>
/// rebuilds that agent, <c>skill.&lt;ns&gt;.&lt;name&gt;</c> rebuilds the agents following that skill's latest version.
/// The values are digests, but the store is the truth: a notice only says "read again". Agents are built from
/// the store on first use, so a new worker starts from the current state without replaying the bucket.
/// After each swap the worker announces it on <see cref="ConfigApplied.Subject"/>.
/// </summary>
public sealed class ConfigWatchService(
    INatsJSContext js,
    INatsConnection nats,
    AgentCatalog catalog,
    AgentOptions options,
    WorkerOptions worker,
    ILogger<ConfigWatchService> logger) : BackgroundService
{
    private readonly string _workerName = $"{Environment.MachineName}/{Environment.ProcessId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        catalog.Applied += Announce;
        var board = new ConfigNoticeBoard(js, options.ConfigBucket);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var store = await board.StoreAsync(stoppingToken);
                // Only changes from now on: what is current is read from the store when an agent is first used.
                await foreach (var entry in store.WatchAsync<string>(">", opts: new NatsKVWatchOpts { UpdatesOnly = true }, cancellationToken: stoppingToken))
                {
                    await ApplyAsync(entry.Key, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NatsException or NatsJSException or NatsKVException)
            {
                logger.LogWarning(exception, "Watching config bucket {Bucket} failed; watching again", options.ConfigBucket);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task ApplyAsync(string key, CancellationToken cancellationToken)
    {
        var parts = key.Split('.');
        if (parts.Length != 3 || parts[1] != worker.Namespace)
        {
            return;
        }

        try
        {
            switch (parts[0])
            {
                case "agent":
                    await catalog.AgentChangedAsync(parts[1], parts[2], cancellationToken);
                    break;
                case "skill":
                    await catalog.SkillChangedAsync(parts[1], parts[2], cancellationToken);
                    break;
            }
        }
        catch (AgentNotFoundException)
        {
            // Deleted: the catalog dropped it.
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Applying config change {Key} failed", key);
        }
    }

    private void Announce(AgentSnapshot snapshot)
    {
        var definition = snapshot.Definition;
        var notice = new ConfigApplied(_workerName, definition.Namespace, definition.Name, definition.Digest, snapshot.SkillDigests, DateTimeOffset.UtcNow);
        _ = nats.PublishAsync(ConfigApplied.Subject(definition.Namespace, definition.Name), JsonSerializer.SerializeToUtf8Bytes(notice, JsonSerializerOptions.Web)).AsTask();
    }
}
