using System.Collections.Concurrent;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// <c>Gateway__MaxQueuedPerNamespace</c>: one namespace may not fill the task stream that every namespace shares.
/// The queued tasks of a namespace are counted in the store (an index holds only queued rows) at most once per
/// <see cref="RecountAfter"/>, and the submissions this replica admits in between are added, so the check costs no
/// round trip on most submissions. Replicas do not see each other's admissions between counts, so a namespace can
/// pass the limit by what the other replicas admit within one interval.
/// </summary>
public sealed class NamespaceQueueLimit(TaskRepository tasks, GatewayOptions options, TimeProvider time)
{
    public static readonly TimeSpan RecountAfter = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Tally> _tallies = new(StringComparer.Ordinal);

    private sealed class Tally
    {
        public readonly Lock Gate = new();
        public long Queued;
        public DateTimeOffset CountedAt = DateTimeOffset.MinValue;
    }

    /// <summary>Admits one more task for <paramref name="ns"/>, or says no when the namespace holds its limit of queued tasks.</summary>
    public async Task<bool> TryAdmitAsync(string ns, CancellationToken cancellationToken)
    {
        var limit = options.MaxQueuedPerNamespace;
        if (limit <= 0)
        {
            return true;
        }
        var tally = _tallies.GetOrAdd(ns, _ => new Tally());
        var now = time.GetUtcNow();
        bool stale;
        lock (tally.Gate)
        {
            stale = now - tally.CountedAt >= RecountAfter;
        }
        if (stale)
        {
            // Submissions arriving together may each recount once; the last answer stands.
            var counted = await tasks.CountQueuedAsync(ns, cancellationToken);
            lock (tally.Gate)
            {
                tally.Queued = counted;
                tally.CountedAt = now;
            }
        }
        lock (tally.Gate)
        {
            if (tally.Queued >= limit)
            {
                return false;
            }
            tally.Queued++;
            return true;
        }
    }
}
