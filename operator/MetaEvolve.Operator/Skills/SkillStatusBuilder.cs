using MetaEvolve.Core.Skills;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Skills;

/// <summary>A skill's status. Pure.</summary>
public static class SkillStatusBuilder
{
    /// <param name="approval">The decision that let an authored digest through; by default the status keeps the one it has.</param>
    public static V1Alpha1SkillStatus Published(V1Alpha1Skill skill, string digest, IReadOnlyList<SkillFunctionInfo> functions, DateTime now, SkillApprovalStatus? approval = null)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var generation = skill.Metadata.Generation;
        var version = skill.Spec.Version ?? SkillDefaults.Version;
        var conditions = Conditions.Set(skill.Status?.Conditions, ConditionTypes.Validated, true, ConditionReasons.Reconciled,
            skill.Spec.Type == SkillType.CSharp ? "the source passes the sandbox policy and compiles" : "the template parses", generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Published, true, ConditionReasons.Reconciled,
            $"version {version} is stored as {digest} and announced", generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Ready, true, ConditionReasons.Reconciled, $"version {version} is published", generation, now);
        conditions = Conditions.Remove(conditions, ConditionTypes.Stalled);
        return new V1Alpha1SkillStatus
        {
            ObservedGeneration = generation,
            Digest = digest,
            PublishedDigest = digest,
            PublishedVersion = version,
            Functions = [.. functions.Select(ToStatus)],
            Diagnostics = [],
            Conditions = conditions,
            // The Skill holds one spec and it is served: nothing waits any more (a rollback or revert abandoned it).
            Approval = approval ?? (skill.Status?.Approval is { State: not SkillApprovalState.Pending } kept ? kept : null),
        };
    }

    /// <summary>An Mcp skill whose server answered: its tools are the functions; the messages say what the server listed.</summary>
    public static V1Alpha1SkillStatus McpPublished(V1Alpha1Skill skill, string digest, IReadOnlyList<SkillFunctionInfo> functions, string answer, DateTime now)
    {
        var status = Published(skill, digest, functions, now);
        var generation = skill.Metadata.Generation;
        var conditions = Conditions.Set(status.Conditions, ConditionTypes.Validated, true, ConditionReasons.Reconciled, answer, generation, now);
        status.Conditions = Conditions.Set(conditions, ConditionTypes.Ready, true, ConditionReasons.Reconciled,
            $"version {skill.Spec.Version ?? SkillDefaults.Version} is published; {answer}", generation, now);
        return status;
    }

    /// <summary>
    /// An Mcp skill whose server did not answer, or whose header Secret is missing or not allowed: nothing new is
    /// published, agents keep what was (and their workers try the server themselves), the last tools listed stay.
    /// </summary>
    public static V1Alpha1SkillStatus McpNotReady(V1Alpha1Skill skill, string digest, string reason, string message, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var generation = skill.Metadata.Generation;
        var previous = skill.Status?.PublishedDigest;
        var conditions = previous is null
            ? Conditions.Set(skill.Status?.Conditions, ConditionTypes.Published, false, reason, "no version of this skill has been published", generation, now)
            : Conditions.Set(skill.Status?.Conditions, ConditionTypes.Published, true, ConditionReasons.Reconciled,
                previous == digest ? $"version {skill.Status!.PublishedVersion} is stored as {digest}" : $"agents keep the last published version {previous}", generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Ready, false, reason, message, generation, now);
        conditions = Conditions.Remove(conditions, ConditionTypes.Stalled);
        return new V1Alpha1SkillStatus
        {
            ObservedGeneration = generation,
            Digest = digest,
            PublishedDigest = previous,
            PublishedVersion = skill.Status?.PublishedVersion,
            Functions = skill.Status?.Functions,
            Diagnostics = [],
            Conditions = conditions,
            Approval = skill.Status?.Approval,
        };
    }

    /// <summary>
    /// An authored digest that validated and waits for a person (evolution.approval Manual): nothing new is served,
    /// agents keep the published version (if any), and status names the digest to approve.
    /// </summary>
    public static V1Alpha1SkillStatus AwaitingApproval(V1Alpha1Skill skill, string digest, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var generation = skill.Metadata.Generation;
        var version = skill.Spec.Version ?? SkillDefaults.Version;
        var message = $"version {version} ({digest}) awaits approval: annotate {Crds.Labels.AuthoredSkillKeys.Approve}={digest} or {Crds.Labels.AuthoredSkillKeys.Reject}={digest}; "
            + Served(skill);
        var conditions = Conditions.Set(skill.Status?.Conditions, ConditionTypes.Validated, true, ConditionReasons.Reconciled,
            skill.Spec.Type == SkillType.CSharp ? "the source passes the sandbox policy, compiles and passes its tests" : "the template parses", generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Published, false, ConditionReasons.AwaitingApproval, message, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Ready, false, ConditionReasons.AwaitingApproval, message, generation, now);
        conditions = Conditions.Remove(conditions, ConditionTypes.Stalled);
        return Unpublished(skill, digest, conditions, Decided(skill, SkillApprovalState.Pending, digest, null, now));
    }

    /// <summary>A person rejected the authored digest: it is never served; agents keep the published version (if any).</summary>
    public static V1Alpha1SkillStatus ApprovalRejected(V1Alpha1Skill skill, string digest, string? by, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var generation = skill.Metadata.Generation;
        var message = $"version {skill.Spec.Version ?? SkillDefaults.Version} ({digest}) was rejected{(by is null ? "" : $" by {by}")}; " + Served(skill);
        var conditions = Conditions.Set(skill.Status?.Conditions, ConditionTypes.Published, false, ConditionReasons.ApprovalRejected, message, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Ready, false, ConditionReasons.ApprovalRejected, message, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Stalled, true, ConditionReasons.ApprovalRejected, message, generation, now);
        return Unpublished(skill, digest, conditions, Decided(skill, SkillApprovalState.Rejected, digest, by, now));
    }

    /// <summary>The approval record for a decision; its time stays that of the first time this state was set for this digest.</summary>
    public static SkillApprovalStatus Decided(V1Alpha1Skill skill, SkillApprovalState state, string digest, string? by, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var previous = skill.Status?.Approval;
        var same = previous is not null && previous.State == state && previous.Digest == digest;
        return new SkillApprovalStatus { State = state, Digest = digest, By = same ? previous!.By ?? by : by, At = same ? previous!.At ?? now : now };
    }

    private static string Served(V1Alpha1Skill skill) => skill.Status?.PublishedDigest is { } served
        ? $"agents keep version {skill.Status.PublishedVersion ?? "?"} ({served})"
        : "no version of this skill has been published";

    private static V1Alpha1SkillStatus Unpublished(V1Alpha1Skill skill, string digest, List<k8s.Models.V1Condition> conditions, SkillApprovalStatus approval) => new()
    {
        ObservedGeneration = skill.Metadata.Generation,
        Digest = digest,
        PublishedDigest = skill.Status?.PublishedDigest,
        PublishedVersion = skill.Status?.PublishedVersion,
        Functions = skill.Status?.Functions,
        Diagnostics = [],
        Conditions = conditions,
        Approval = approval,
    };

    /// <summary>
    /// The spec does not validate: nothing is stored, agents keep the last published version (if any), and status
    /// says why with positioned diagnostics.
    /// </summary>
    public static V1Alpha1SkillStatus Rejected(V1Alpha1Skill skill, string digest, SkillValidation validation, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(skill);
        ArgumentNullException.ThrowIfNull(validation);
        var generation = skill.Metadata.Generation;
        var reason = validation.Reason ?? ConditionReasons.CompilationFailed;
        var summary = Summary(validation.Diagnostics);
        var previous = skill.Status?.PublishedDigest;
        var conditions = Conditions.Set(skill.Status?.Conditions, ConditionTypes.Validated, false, reason, summary, generation, now);
        conditions = previous is null
            ? Conditions.Set(conditions, ConditionTypes.Published, false, reason, "no version of this skill has been published", generation, now)
            : Conditions.Set(conditions, ConditionTypes.Published, true, ConditionReasons.Reconciled,
                $"the current spec is rejected; agents keep the last good version {previous}", generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Ready, false, reason, summary, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Stalled, true, reason, summary, generation, now);
        return new V1Alpha1SkillStatus
        {
            ObservedGeneration = generation,
            Digest = digest,
            PublishedDigest = previous,
            PublishedVersion = skill.Status?.PublishedVersion,
            Functions = skill.Status?.Functions,
            Diagnostics = [.. validation.Diagnostics.Select(ToStatus)],
            Conditions = conditions,
            Approval = skill.Status?.Approval,
        };
    }

    /// <summary>Deletion waits for the agents that use the skill.</summary>
    public static V1Alpha1SkillStatus InUse(V1Alpha1Skill skill, IReadOnlyList<string> agents, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(skill);
        ArgumentNullException.ThrowIfNull(agents);
        var message = $"deletion waits until no agent uses the skill; used by {string.Join(", ", agents)}";
        var generation = skill.Metadata.Generation;
        var conditions = Conditions.Set(skill.Status?.Conditions, ConditionTypes.Stalled, true, ConditionReasons.InUse, message, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Ready, false, ConditionReasons.InUse, message, generation, now);
        return WithConditions(skill, conditions);
    }

    /// <summary>
    /// Not Ready because the store could not be read or written: nothing new is published, agents keep what was, and
    /// the controller retries with backoff (so not stalled).
    /// </summary>
    public static V1Alpha1SkillStatus StoreUnavailable(V1Alpha1Skill skill, string message, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var conditions = Conditions.Set(skill.Status?.Conditions, ConditionTypes.Ready, false, ConditionReasons.StoreUnavailable, message,
            skill.Metadata.Generation, now);
        conditions = Conditions.Remove(conditions, ConditionTypes.Stalled);
        return WithConditions(skill, conditions);
    }

    private static string Summary(IReadOnlyList<Core.Skills.SkillDiagnostic> diagnostics)
    {
        if (diagnostics.Count == 0)
        {
            return "the skill was rejected";
        }

        var first = diagnostics[0];
        var more = diagnostics.Count > 1 ? $" (and {diagnostics.Count - 1} more, see status.diagnostics)" : "";
        return $"line {first.Line}, column {first.Column}: {first.Code}: {first.Message}{more}";
    }

    public static SkillFunction ToStatus(SkillFunctionInfo function) => new()
    {
        Name = function?.Name,
        Description = function?.Description,
        Parameters = [.. function?.Parameters ?? []],
        Required = function?.Required is { } required ? [.. required] : null,
    };

    public static Crds.SkillDiagnostic ToStatus(Core.Skills.SkillDiagnostic diagnostic) => new()
    {
        Severity = Enum.TryParse<DiagnosticSeverity>(diagnostic.Severity, out var severity) ? severity : DiagnosticSeverity.Error,
        Code = diagnostic.Code,
        Line = diagnostic.Line,
        Column = diagnostic.Column,
        Message = diagnostic.Message,
    };

    /// <summary>The skill's current status with other conditions: the spec was not looked at again.</summary>
    private static V1Alpha1SkillStatus WithConditions(V1Alpha1Skill skill, List<k8s.Models.V1Condition> conditions) => new()
    {
        ObservedGeneration = skill.Status?.ObservedGeneration,
        Digest = skill.Status?.Digest,
        PublishedDigest = skill.Status?.PublishedDigest,
        PublishedVersion = skill.Status?.PublishedVersion,
        Functions = skill.Status?.Functions,
        Diagnostics = skill.Status?.Diagnostics,
        Conditions = conditions,
        Approval = skill.Status?.Approval,
    };
}
