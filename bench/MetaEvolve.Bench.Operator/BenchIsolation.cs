using System.Security.Cryptography;
using MetaEvolve.Core.Tasks;

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

    public string Bucket => $"bench-op-config-{Id}";

    public string Stream => $"BENCH_OP_{Id.ToUpperInvariant()}";

    public string BaselineStream => $"BENCH_BASE_{Id.ToUpperInvariant()}";

    public string ActivationStream => $"BENCH_ACT_{Id.ToUpperInvariant()}";

    public IEnumerable<string> Streams => [Stream, BaselineStream, ActivationStream];

    /// <summary>A task stream that takes exactly one namespace's tasks.</summary>
    public static TaskStreamOptions StreamFor(string name, string ns) =>
        new() { StreamName = name, Subjects = $"{TaskSubjects.Prefix}.{ns}.>" };
}
