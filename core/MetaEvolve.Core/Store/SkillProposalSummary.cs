namespace MetaEvolve.Core.Store;

/// <summary>
/// A row of <c>skill_proposals</c> as a listing shows it: everything but the proposed spec, which can be 64 KiB of
/// source and belongs to the Skill, not to a list of verdicts.
/// </summary>
/// <param name="DiagnosticsJson"><c>[{severity, line, column, code, message}]</c>, as stored.</param>
public sealed record SkillProposalSummary(
    Guid Id,
    string Namespace,
    string Agent,
    Guid? TaskId,
    string Skill,
    string Version,
    string Type,
    string Digest,
    string State,
    string? Reason,
    string? Message,
    string DiagnosticsJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset? HandledAt,
    string? DecidedBy,
    DateTimeOffset? DecidedAt);
