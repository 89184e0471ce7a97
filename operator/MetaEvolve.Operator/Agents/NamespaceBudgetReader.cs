using System.Collections.Concurrent;
using k8s;
using k8s.Autorest;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Agents;

/// <summary>
/// Reads a namespace's budget annotations with a GET of the Namespace, remembered for one usage interval: agents are
/// reconciled every interval anyway (status.usage), so a changed annotation reaches them within about one interval,
/// without the operator watching every Namespace of the cluster.
/// </summary>
public sealed class NamespaceBudgetReader(IKubernetes client, OperatorOptions options, TimeProvider time)
{
    // The read in flight or done per namespace, so that a cold start's many agents of one namespace share one GET.
    private readonly ConcurrentDictionary<string, (Task<NamespaceBudget> Read, DateTimeOffset StartedAt)> _reads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ObjectKey, string> _reported = new();

    /// <summary>True the first time <paramref name="problem"/> is seen for the agent: events go out on transitions only.</summary>
    public bool FirstReport(ObjectKey agent, string problem)
    {
        if (_reported.TryGetValue(agent, out var known) && known == problem)
        {
            return false;
        }

        _reported[agent] = problem;
        return true;
    }

    public async Task<NamespaceBudget> ReadAsync(string ns, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = _reads.AddOrUpdate(ns,
            _ => (FetchAsync(ns), now),
            (_, known) => known.Read.IsFaulted || known.Read.IsCanceled || now - known.StartedAt >= options.UsageInterval ? (FetchAsync(ns), now) : known);
        try
        {
            return await entry.Read.WaitAsync(cancellationToken);
        }
        catch when (entry.Read.IsFaulted || entry.Read.IsCanceled)
        {
            // The next reconcile asks again instead of sharing a failure.
            _reads.TryRemove(new KeyValuePair<string, (Task<NamespaceBudget>, DateTimeOffset)>(ns, entry));
            throw;
        }
    }

    private async Task<NamespaceBudget> FetchAsync(string ns)
    {
        try
        {
            // Not the caller's token: other reconciles may await this read.
            using var timeout = new CancellationTokenSource(options.ReconcileTimeout);
            return NamespaceBudget.Of(await client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: timeout.Token));
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return NamespaceBudget.None;
        }
    }
}
