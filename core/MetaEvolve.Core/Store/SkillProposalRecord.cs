namespace MetaEvolve.Core.Store;

/// <summary>One row of <c>skill_proposals</c> as a worker writes it.</summary>
/// <param name="SpecJson">The Skill spec the proposal would publish (Kubernetes JSON).</param>
/// <param name="DiagnosticsJson"><c>[{severity, line, column, code, message}]</c>.</param>
public sealed record SkillProposalRecord(
    Guid Id,
    string Namespace,
    string Agent,
    Guid? TaskId,
    string Skill,
    string Version,
    string Type,
    string SpecJson,
    string Digest,
    string State,
    string? Reason,
    string? Message,
    string DiagnosticsJson);

/// <summary>Where a proposal stands now (the operator moves Accepted rows on).</summary>
public sealed record SkillProposalState(string State, string? Reason, string? Message, string DiagnosticsJson);
