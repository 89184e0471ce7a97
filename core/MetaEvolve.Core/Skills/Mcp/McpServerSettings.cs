using System.Text.Json.Nodes;

namespace MetaEvolve.Core.Skills.Mcp;

/// <summary>
/// An Mcp skill's <c>spec.mcp</c> as the operator and the workers both read it (from the spec's Kubernetes JSON, so
/// the two cannot disagree). Holds Secret references only; header values come from <see cref="McpHeaderSecrets"/>.
/// </summary>
/// <param name="Tools">The allowlist; null exposes every tool the server lists.</param>
public sealed record McpServerSettings(Uri Url, bool Sse, IReadOnlyList<McpHeaderReference> Headers, IReadOnlyList<string>? Tools, TimeSpan Timeout)
{
    /// <summary>The default of <c>spec.mcp.timeoutSeconds</c> (the CRD's McpSkillDefaults; core cannot reference it).</summary>
    public const int DefaultTimeoutSeconds = 30;

    /// <exception cref="FormatException">The spec has no usable <c>mcp.url</c>.</exception>
    public static McpServerSettings FromSpec(JsonObject spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var mcp = spec["mcp"] as JsonObject ?? throw new FormatException("an Mcp skill needs spec.mcp");
        if ((string?)mcp["url"] is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException("spec.mcp.url must be an absolute http(s) URL");
        }

        var headers = (mcp["headersFrom"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(h => new McpHeaderReference((string?)h["name"] ?? "", (string?)h["secretKeyRef"]?["name"] ?? "", (string?)h["secretKeyRef"]?["key"] ?? ""))
            .ToList();
        var tools = mcp["tools"] is JsonArray list ? list.Select(t => (string?)t ?? "").ToList() : null;
        return new McpServerSettings(
            uri,
            (string?)mcp["transport"] == "Sse",
            headers,
            tools,
            TimeSpan.FromSeconds((int?)mcp["timeoutSeconds"] ?? DefaultTimeoutSeconds));
    }

    /// <summary>Whether the allowlist lets the tool through.</summary>
    public bool Exposes(string tool) => Tools is null || Tools.Contains(tool, StringComparer.Ordinal);
}

/// <summary>An HTTP header whose value is a key of a Secret.</summary>
public sealed record McpHeaderReference(string Name, string SecretName, string SecretKey);
