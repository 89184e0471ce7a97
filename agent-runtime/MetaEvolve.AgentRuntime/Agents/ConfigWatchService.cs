using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Config;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Watches the config bucket (<see cref="ConfigNotices"/>) and reloads what changed: <c>agent.&lt;ns&gt;.&lt;name&gt;</c>
/// rebuilds that agent, <c>skill.&lt;ns&gt;.&lt;name&gt;</c> rebuilds the agents following that skill's latest version.
/// The values are digests, but the store is the truth: a notice only says "read again" (and is skipped when the
/// worker already runs that digest). At start the worker builds its pool's agents from the store, then watches.
/// After each swap the worker announces it on <see cref="NatsNames.ConfigApplied"/>.
/// </summary>
public sealed class ConfigWatchService(
    INatsJSContext js,
    INatsConnection nats,
    NatsNames names,
    AgentCatalog catalog,
    WorkerOptions worker,
    ILogger<ConfigWatchService> logger) : BackgroundService
{
    private readonly string _workerName = $"{Environment.MachineName}/{Environment.ProcessId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        catalog.Applied += Announce;
        var board = new ConfigNoticeBoard(js, names.ConfigBucket);
        await PreloadAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var store = await board.OpenAsync(stoppingToken);
                // The watch starts with every key's current value: whatever changed before it started (after the
                // preload, or while a broken watch was down) reaches the catalog, which skips digests it runs already.
                await foreach (var entry in store.WatchAsync<string>(">", cancellationToken: stoppingToken))
                {
                    await ApplyAsync(entry.Key, entry.Operation == NatsKVOperation.Put ? entry.Value : null, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NatsException or NatsJSException or NatsKVException)
            {
                logger.LogWarning(exception, "Watching config bucket {Bucket} failed; watching again", names.ConfigBucket);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task PreloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await catalog.PreloadAsync(worker.Namespace, worker.Pool, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The store may not be up yet; agents then load on their first task.
            logger.LogWarning(exception, "Preloading the agents of pool {Namespace}/{Pool} failed", worker.Namespace, worker.Pool);
        }
    }

    private async Task ApplyAsync(string key, string? digest, CancellationToken cancellationToken)
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
                    await catalog.AgentChangedAsync(parts[1], parts[2], digest, cancellationToken);
                    break;
                case "skill":
                    await catalog.SkillChangedAsync(parts[1], parts[2], digest, cancellationToken);
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
        _ = nats.PublishAsync(names.ConfigApplied(definition.Namespace, definition.Name), JsonSerializer.SerializeToUtf8Bytes(notice, JsonSerializerOptions.Web)).AsTask();
    }
}
