using k8s.Models;
using MetaEvolve.Operator.Pools;

namespace MetaEvolve.Operator.Agents;

/// <summary>
/// Which Secrets an Agent may name (<c>spec.model.apiKeySecretRef</c>, <c>spec.instructionsFrom.secretKeyRef</c>). The
/// operator reads them, and a model key is sent as a bearer token to an endpoint the Agent's author chooses, so naming a
/// Secret must not be a way to read or exfiltrate one: only Secrets their owner labelled
/// <c>metaevolve.io/agent-secret: "true"</c> are used, and never one the operator manages (the namespace's connection
/// Secret carries store and queue credentials).
/// </summary>
public static class AgentSecretPolicy
{
    public const string Label = "metaevolve.io/agent-secret";

    /// <summary>Null when an Agent may use <paramref name="secret"/>, else why not (for the condition message).</summary>
    public static string? Refusal(V1Secret secret, string field)
    {
        var name = secret.Metadata.Name;
        var labels = secret.Metadata.Labels;
        if (name == PoolNames.ConnectionSecret || labels?.TryGetValue(PoolNames.ManagedByLabel, out var manager) == true && manager == PoolNames.ManagedBy)
        {
            return $"Secret {name} ({field}) is managed by the operator and may not be named by an Agent";
        }

        return labels?.TryGetValue(Label, out var value) == true && value == "true"
            ? null
            : $"Secret {name} ({field}) is not labelled {Label}: \"true\"; label it to let Agents use it";
    }

    public static bool Allows(V1Secret? secret) => secret is not null && Refusal(secret, "") is null;
}
