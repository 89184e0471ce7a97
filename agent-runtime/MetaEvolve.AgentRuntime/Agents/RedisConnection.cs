using StackExchange.Redis;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// The worker's Redis (thread memory, budget counters), connected in the background from the moment the worker's
/// services are built. A synchronous connect ran while the task consumer's services were built (about 200 ms of a
/// start in a trace) and, with Redis slow to answer, held the start up to the connect timeout, though most tasks need
/// no Redis at all. An outage fails the tasks that need Redis, not the worker's start.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Task<ConnectionMultiplexer> _connecting;

    public RedisConnection(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        // Keeps retrying in the background when Redis is away at start, instead of failing the connect.
        options.AbortOnConnectFail = false;
        _connecting = Task.Run(() => ConnectionMultiplexer.ConnectAsync(options));
    }

    /// <summary>The database, once the first connect attempt has finished (commands fail while Redis is unreachable).</summary>
    public async ValueTask<IDatabase> DatabaseAsync() => (await _connecting).GetDatabase();

    public async ValueTask DisposeAsync() => await (await _connecting).DisposeAsync();
}
