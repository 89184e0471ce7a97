using MetaEvolve.Core;
using Npgsql;
using StackExchange.Redis;

namespace MetaEvolve.Operator.Tenancy;

/// <summary>
/// What a namespace's workers connect with: its own PostgreSQL role (<see cref="NamespaceStoreRoles"/>) and Redis user
/// (<see cref="NamespaceRedisUsers"/>) unless <see cref="OperatorOptions.ScopedCredentials"/> is off, and the NATS URL
/// configured for it. Never the operator's store or Redis credentials.
/// </summary>
public sealed class NamespaceCredentials(OperatorOptions options, ConnectionOptions connections, NamespaceStoreRoles roles, NamespaceRedisUsers redisUsers)
{
    /// <summary>The environment of the namespace's workers (the data of its connection Secret).</summary>
    public async Task<SortedDictionary<string, string>> EnvironmentAsync(string ns, CancellationToken cancellationToken)
    {
        var environment = new SortedDictionary<string, string>(connections.ToEnvironment().ToDictionary(), StringComparer.Ordinal)
        {
            [ConnectionOptions.NatsUrlVariable] = NatsUrl(ns),
        };
        if (!options.ScopedCredentials)
        {
            return environment;
        }

        var login = await roles.EnsureAsync(ns, cancellationToken);
        await redisUsers.EnsureAsync(ns, login.Password, cancellationToken);
        environment[ConnectionOptions.PostgresVariable] = new NpgsqlConnectionStringBuilder(connections.Postgres)
        {
            Username = login.Role,
            Password = login.Password,
        }.ConnectionString;
        var redis = ConfigurationOptions.Parse(connections.Redis);
        redis.User = redisUsers.UserName(ns);
        redis.Password = login.Password;
        // The user may not read the tie-breaker key or subscribe to the config channel (resetchannels).
        redis.TieBreaker = "";
        redis.ConfigurationChannel = "";
        environment[ConnectionOptions.RedisVariable] = redis.ToString(includePassword: true);
        environment[RedisPrefixVariable] = options.RedisPrefix;
        // The schema is the operator's to migrate: a namespace role may not.
        environment[MigrateStoreVariable] = "false";
        return environment;
    }

    /// <summary>Drops the namespace's role and Redis user (its last pool is gone).</summary>
    public async Task ForgetAsync(string ns, CancellationToken cancellationToken)
    {
        if (!options.ScopedCredentials)
        {
            return;
        }

        await roles.DropAsync(ns, cancellationToken);
        await redisUsers.DeleteAsync(ns, cancellationToken);
    }

    /// <summary>The worker's <c>Agents:RedisPrefix</c>: its keys and its Redis user's pattern agree.</summary>
    public const string RedisPrefixVariable = "Agents__RedisPrefix";

    /// <summary>The worker's <c>Worker:MigrateStore</c>.</summary>
    public const string MigrateStoreVariable = "Worker__MigrateStore";

    private string NatsUrl(string ns) =>
        options.NamespaceNatsUrls.TryGetValue(ns, out var url) && !string.IsNullOrWhiteSpace(url) ? url
        : !string.IsNullOrWhiteSpace(options.WorkerNatsUrl) ? options.WorkerNatsUrl
        : connections.NatsUrl;
}
