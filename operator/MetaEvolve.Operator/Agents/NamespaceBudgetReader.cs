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
    private readonly ConcurrentDictionary<string, (NamespaceBudget Budget, DateTimeOffset ReadAt)> _read = new(StringComparer.Ordinal);
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
        if (_read.TryGetValue(ns, out var known) && now - known.ReadAt < options.UsageInterval)
        {
            return known.Budget;
        }

        NamespaceBudget budget;
        try
        {
            budget = NamespaceBudget.Of(await client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellationToken));
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            budget = NamespaceBudget.None;
        }

        _read[ns] = (budget, now);
        return budget;
    }
}
