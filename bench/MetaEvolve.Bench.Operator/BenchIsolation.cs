using System.Security.Cryptography;
using MetaEvolve.Core;

namespace MetaEvolve.Bench.Operator;

/// <summary>
/// Names of everything one run creates outside the in-process control plane, unique per run so runs (and the tests
/// of others on the same servers) never meet; the end of the run deletes them.
/// </summary>
internal sealed record BenchIsolation(string Id)
{
    public static BenchIsolation Create() => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));

    /// <summary>Where the 1,000 pools live and the operator works.</summary>
    public string Namespace => $"bench-op-{Id}";

    /// <summary>Where the bare-client baseline creates the same children.</summary>
    public string BaselineNamespace => $"bench-base-{Id}";

    /// <summary>The scale-to-zero pool's namespace (its own control plane, with the runner on).</summary>
    public string ActivationNamespace => $"bench-act-{Id}";

    public string Schema => $"bench_op_{Id}";

    /// <summary>NATS names of the cold start's operator (stream, subjects, config bucket): a root of the run's own.</summary>
    public NatsNames Nats { get; } = new($"bench-op-{Id}");

    /// <summary>The bare-client baseline's task stream.</summary>
    public NatsNames BaselineNats { get; } = new($"bench-base-{Id}");

    /// <summary>The activation phase's operator and workers.</summary>
    public NatsNames ActivationNats { get; } = new($"bench-act-{Id}");

    public IEnumerable<NatsNames> AllNats => [Nats, BaselineNats, ActivationNats];
}
