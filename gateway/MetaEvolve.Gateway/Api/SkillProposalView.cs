using System.Text.Json;
using MetaEvolve.Core.Store;

namespace MetaEvolve.Gateway.Api;

/// <summary>
/// A skill proposal as <c>GET /v1/namespaces/{ns}/proposals</c> lists it: who proposed what, and the verdict with its
/// diagnostics. The proposed source or template is left out; the Skill holds it.
/// </summary>
public sealed record SkillProposalView(
    Guid Id,
    string Agent,
    Guid? TaskId,
    string Skill,
    string Version,
    string Type,
    string Digest,
    string State,
    string? Reason,
    string? Message,
    JsonElement Diagnostics,
    DateTimeOffset CreatedAt,
    DateTimeOffset? HandledAt,
    string? DecidedBy,
    DateTimeOffset? DecidedAt)
{
    public static SkillProposalView From(SkillProposalSummary p)
    {
        ArgumentNullException.ThrowIfNull(p);
        using var diagnostics = JsonDocument.Parse(p.DiagnosticsJson);
        return new SkillProposalView(p.Id, p.Agent, p.TaskId, p.Skill, p.Version, p.Type, p.Digest, p.State, p.Reason, p.Message,
            diagnostics.RootElement.Clone(), p.CreatedAt, p.HandledAt, p.DecidedBy, p.DecidedAt);
    }
}

/// <summary>The listing's body: an object rather than a bare array, so fields (a continuation token) can be added later.</summary>
public sealed record SkillProposalList(IReadOnlyList<SkillProposalView> Items);
