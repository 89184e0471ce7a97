using MetaEvolve.Core;
using Xunit;

namespace MetaEvolve.Testing;

/// <summary>
/// Gate for tests that need a real service. Each <c>Require…Async</c> connects once per process
/// (short timeout). When the service cannot be reached the test fails with a message naming the
/// service, its address and the command that starts it if <c>CI=true</c>, and is skipped with that
/// message otherwise: it never passes without having run. Classes whose tests need a service carry
/// <c>[Trait(Services.Trait, Services.Needed)]</c>, which <c>make test-unit</c> filters out; a test that reaches a
/// service without the trait fails there, so the trait cannot go stale.
/// </summary>
public static class Services
{
    /// <summary>Trait name and value marking tests that need NATS, PostgreSQL or Redis.</summary>
    public const string Trait = "Needs";

    /// <inheritdoc cref="Trait"/>
    public const string Needed = "Services";

    /// <summary>Set by <c>make test-unit</c>: no service runs, and reaching one is a mistake in the test's traits.</summary>
    private const string UnitTierVariable = "METAEVOLVE_TEST_TIER";

    /// <summary>
    /// The NATS root of tests that take no root of their own: never the installation's, so a stream that a
    /// developer's <c>make run</c> left on the same server is not in the way.
    /// </summary>
    public const string NatsRoot = "metaevolve-test";

    /// <summary>The settings tests connect with (the environment, with the script's defaults, and the tests' NATS root).</summary>
    public static ConnectionOptions Connections { get; } = ConnectionOptions.FromEnvironment() with { NatsRoot = NatsRoot };

    private static readonly Lazy<Task<string?>> Postgres = new(() => ServiceProbes.PostgresAsync(Connections));
    private static readonly Lazy<Task<string?>> Nats = new(() => ServiceProbes.NatsAsync(Connections));
    private static readonly Lazy<Task<string?>> Redis = new(() => ServiceProbes.RedisAsync(Connections));

    /// <summary>True when the environment says this is a CI run, where a missing service is a failure.</summary>
    public static bool IsCi =>
        Environment.GetEnvironmentVariable("CI") is { } ci
        && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    public static Task RequirePostgresAsync() => RequireAsync(Postgres);

    public static Task RequireNatsAsync() => RequireAsync(Nats);

    public static Task RequireRedisAsync() => RequireAsync(Redis);

    private static async Task RequireAsync(Lazy<Task<string?>> probe)
    {
        if (Environment.GetEnvironmentVariable(UnitTierVariable) == "unit")
        {
            Assert.Fail($"this test needs a service but its class lacks [Trait(Services.Trait, Services.Needed)], so make test-unit ran it");
        }

        var problem = await probe.Value;
        if (problem is null)
        {
            return;
        }

        if (IsCi)
        {
            Assert.Fail(problem);
        }

        Assert.Skip(problem);
    }
}
