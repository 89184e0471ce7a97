using System.Globalization;

namespace MetaEvolve.Core;

/// <summary>
/// Where the shared services are: NATS (and the root of its names), PostgreSQL and Redis. Every process and test reads them
/// through <see cref="FromEnvironment()"/>, which knows the variables and the defaults that
/// <c>hack/services.sh</c> uses, so a service started by the script is found without settings.
/// </summary>
public sealed record ConnectionOptions
{
    public const string NatsUrlVariable = "METAEVOLVE_NATS_URL";
    public const string PostgresVariable = "METAEVOLVE_POSTGRES";
    public const string RedisVariable = "METAEVOLVE_REDIS";
    public const string NatsRootVariable = "METAEVOLVE_NATS_ROOT";
    public const string RegionVariable = "METAEVOLVE_REGION";
    public const string PeersVariable = "METAEVOLVE_PEERS";

    // The port variables only shape the defaults: a helper that exports its port block alone
    // reaches its own servers without spelling out the three connection strings.
    public const string NatsPortVariable = "METAEVOLVE_NATS_PORT";
    public const string PostgresPortVariable = "METAEVOLVE_POSTGRES_PORT";
    public const string RedisPortVariable = "METAEVOLVE_REDIS_PORT";

    public const int DefaultNatsPort = 14222;
    public const int DefaultPostgresPort = 15432;
    public const int DefaultRedisPort = 16379;

    /// <summary>NATS server URL, e.g. <c>nats://127.0.0.1:14222</c>.</summary>
    public required string NatsUrl { get; init; }

    /// <summary>Npgsql connection string.</summary>
    public required string Postgres { get; init; }

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:16379</c>.</summary>
    public required string Redis { get; init; }

    /// <summary>
    /// The root every NATS name derives from (<see cref="NatsNames"/>): processes of one installation share it;
    /// tests and benchmarks use their own.
    /// </summary>
    public string NatsRoot
    {
        get => Names.Root;
        init => Names = new NatsNames(value, Names.Region);
    }

    /// <summary>
    /// This installation's region, which is also its JetStream domain, when several regions are joined by NATS
    /// leafnodes; null (the default) when it stands alone. It names the pools' durable consumers, and tasks record it.
    /// </summary>
    public string? Region
    {
        get => Names.Region;
        init => Names = new NatsNames(Names.Root, value);
    }

    /// <summary>
    /// The other regions this one federates with: their results are sourced home, and pools may send tasks to them
    /// (AgentPool <c>spec.federation.peers</c> chooses among these). Empty when the installation stands alone.
    /// </summary>
    public IReadOnlyList<string> Peers
    {
        get => _peers;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            foreach (var peer in value)
            {
                NatsNames.ValidateRegion(peer, PeersVariable);
            }
            _peers = [.. value];
        }
    }

    private readonly string[] _peers = [];

    /// <summary>The stream, subjects and buckets of <see cref="NatsRoot"/> and <see cref="Region"/>.</summary>
    public NatsNames Names { get; private init; } = NatsNames.Default;

    /// <summary>Throws when the region settings contradict each other: peers without a region, or a region its own peer.</summary>
    public void ValidateRegions()
    {
        if (Peers.Count > 0 && Region is null)
        {
            throw new FormatException($"{PeersVariable} names peers ({string.Join(", ", Peers)}) but {RegionVariable} is not set: a region needs a name of its own to federate.");
        }
        if (Region is { } region && Peers.Contains(region, StringComparer.Ordinal))
        {
            throw new FormatException($"{PeersVariable} lists this region itself ('{region}'): peers are the other regions.");
        }
        if (Peers.Distinct(StringComparer.Ordinal).Count() != Peers.Count)
        {
            throw new FormatException($"{PeersVariable} lists a region twice: '{string.Join(",", Peers)}'.");
        }
    }

    /// <summary>The variables that hand these settings to a child process or a pod (the inverse of <see cref="FromEnvironment()"/>).</summary>
    public IReadOnlyDictionary<string, string> ToEnvironment()
    {
        var variables = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [NatsUrlVariable] = NatsUrl,
            [NatsRootVariable] = NatsRoot,
            [PostgresVariable] = Postgres,
            [RedisVariable] = Redis,
        };
        if (Region is { } region)
        {
            variables[RegionVariable] = region;
        }
        if (Peers.Count > 0)
        {
            variables[PeersVariable] = string.Join(',', Peers);
        }
        return variables;
    }

    /// <summary>Reads the process environment.</summary>
    public static ConnectionOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>Reads settings through <paramref name="variable"/>; an empty value counts as unset.</summary>
    public static ConnectionOptions FromEnvironment(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);

        string? Read(string name) => string.IsNullOrWhiteSpace(variable(name)) ? null : variable(name)!.Trim();

        int Port(string name, int fallback)
        {
            var text = Read(name);
            if (text is null)
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
                ? port
                : throw new FormatException($"{name} must be a TCP port (1-65535), got '{text}'.");
        }

        var natsPort = Port(NatsPortVariable, DefaultNatsPort);
        var postgresPort = Port(PostgresPortVariable, DefaultPostgresPort);
        var redisPort = Port(RedisPortVariable, DefaultRedisPort);

        var options = new ConnectionOptions
        {
            NatsUrl = Read(NatsUrlVariable) ?? $"nats://127.0.0.1:{natsPort}",
            Postgres = Read(PostgresVariable)
                ?? $"Host=127.0.0.1;Port={postgresPort};Username=metaevolve;Password=metaevolve;Database=metaevolve",
            Redis = Read(RedisVariable) ?? $"127.0.0.1:{redisPort}",
            NatsRoot = Read(NatsRootVariable) ?? NatsNames.DefaultRoot,
            Region = Read(RegionVariable),
            Peers = Read(PeersVariable)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [],
        };
        options.ValidateRegions();
        return options;
    }
}
