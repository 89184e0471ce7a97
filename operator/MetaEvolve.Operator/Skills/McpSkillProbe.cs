using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Mcp;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Agents;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Skills;

/// <summary>
/// Asks an Mcp skill's server for its tools, as a worker would: the header values come from the Secrets the skill names,
/// which follow the Agents' rule (<see cref="AgentSecretPolicy"/>: labelled metaevolve.io/agent-secret "true", never one
/// the operator manages), are read only for the probe and never logged or stored.
/// </summary>
[RequiresPermission("", "secrets", "get,list,watch")]
public sealed class McpSkillProbe(ClusterState state, IKubernetes client)
{
    public async Task<McpProbe> ProbeAsync(V1Alpha1Skill skill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var ns = skill.Metadata.NamespaceProperty ?? "";
        var settings = McpServerSettings.FromSpec((JsonObject)SkillSpecDigest.Json(skill.Spec));
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in settings.Headers)
        {
            var (value, problem) = await HeaderAsync(ns, header, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            headers[header.Name] = value!;
        }

        try
        {
            await using var mcp = await McpServerClient.ConnectAsync(settings, headers, cancellationToken);
            var tools = await McpServerClient.ListToolsAsync(mcp, settings, cancellationToken);
            var missing = (settings.Tools ?? []).Where(name => tools.All(t => t.Name != name)).ToList();
            return new McpProbe(null, $"the MCP server {McpServerClient.Describe(settings)} lists {tools.Count} tools"
                    + (missing.Count == 0 ? "" : $"; not among them: {string.Join(", ", missing)} (spec.mcp.tools)"),
                [.. tools.Select(t => McpServerClient.Describe(t.ProtocolTool))]);
        }
        catch (McpServerUnavailableException exception)
        {
            return new McpProbe(ConditionReasons.McpServerUnavailable, exception.Message, []);
        }
    }

    private async Task<(string? Value, McpProbe? Problem)> HeaderAsync(string ns, McpHeaderReference header, CancellationToken cancellationToken)
    {
        var field = $"spec.mcp.headersFrom[{header.Name}]";
        var cached = state.Secrets.Get(new ObjectKey(ns, header.SecretName));
        if (cached is null)
        {
            return (null, Failed(ConditionReasons.SecretNotFound, $"Secret {header.SecretName} ({field}) does not exist in namespace {ns}"));
        }

        if (AgentSecretPolicy.Refusal(cached, field) is { } refusal)
        {
            return (null, Failed(ConditionReasons.SecretNotAllowed, refusal));
        }

        // The cache holds no secret values; read this one when it is needed.
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(header.SecretName, ns, cancellationToken: cancellationToken);
            return AgentSecretPolicy.Refusal(secret, field) is { } refused
                ? (null, Failed(ConditionReasons.SecretNotAllowed, refused))
                : secret.Data?.TryGetValue(header.SecretKey, out var bytes) == true
                    ? (Encoding.UTF8.GetString(bytes), null)
                    : (null, Failed(ConditionReasons.SecretNotFound, $"Secret {header.SecretName} ({field}) has no key {header.SecretKey}"));
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return (null, Failed(ConditionReasons.SecretNotFound, $"Secret {header.SecretName} ({field}) does not exist in namespace {ns}"));
        }
    }

    private static McpProbe Failed(string reason, string message) => new(reason, message, []);
}

/// <summary>What an Mcp skill's server answered.</summary>
/// <param name="Reason">Why it is not usable (SecretNotFound, SecretNotAllowed, McpServerUnavailable), or null.</param>
/// <param name="Functions">The tools the allowlist exposes, with their parameters.</param>
public sealed record McpProbe(string? Reason, string Message, IReadOnlyList<SkillFunctionInfo> Functions)
{
    public bool Answered => Reason is null;
}
