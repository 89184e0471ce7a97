using System.Text.Json;

namespace MetaEvolve.Core.Skills.Evolution;

/// <summary>
/// What <c>evolution.ProposeSkill</c> answers, as JSON a model can act on: <c>{state, reason, message}</c> for a
/// refusal, <c>{state, diagnostics}</c> for a rejection (the Skill status' diagnostic shape), and
/// <c>{state, skill, version, digest, message?}</c> once the proposal passed the worker's checks.
/// </summary>
public sealed record ProposalResult
{
    public required string State { get; init; }
    public string? Reason { get; init; }
    public string? Skill { get; init; }
    public string? Version { get; init; }
    public string? Digest { get; init; }
    public string? Message { get; init; }
    public IReadOnlyList<SkillDiagnostic>? Diagnostics { get; init; }

    public static ProposalResult Refused(string reason, string message) => new() { State = ProposalStates.Refused, Reason = reason, Message = message };

    public static ProposalResult Rejected(IReadOnlyList<SkillDiagnostic> diagnostics, string? message = null) =>
        new() { State = ProposalStates.Rejected, Diagnostics = diagnostics, Message = message };

    public string ToJson() => JsonSerializer.Serialize(this, ToolResultJson.Options);
}
