using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Evolution;
using MetaEvolve.Core.Store;

namespace MetaEvolve.AgentRuntime.Agents.Evolution;

/// <summary>
/// Handles an agent's <c>evolution.ProposeSkill</c>: refuses what the agent may not propose (rate, size, a name
/// someone else owns, quota), checks the rest with the shared skill code (policy, compile, declared tests in a skill
/// host), records every proposal in <c>skill_proposals</c>, and for one that passed waits a while for the operator's
/// verdict. The worker's checks are advisory: the operator checks again, and only it writes Skills or assemblies.
/// Every outcome is a <see cref="ProposalResult"/>, never an exception, except when the store cannot be reached.
/// </summary>
public sealed class SkillProposer(SkillProposalRepository proposals, SkillChecker checker, AgentOptions options, ILogger<SkillProposer> logger)
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromHours(1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly JsonObject NoSpec = [];

    public async Task<string> ProposeAsync(AgentDefinition agent, Guid? taskId, IReadOnlyDictionary<string, string?> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(arguments);
        var result = await DecideAsync(agent, taskId, arguments, cancellationToken);
        logger.LogInformation("Agent {Namespace}/{Agent} proposed skill {Skill}: {State} {Reason}",
            agent.Namespace, agent.Name, arguments.GetValueOrDefault("name"), result.State, result.Reason);
        return result.ToJson();
    }

    public async Task<string> ListAuthoredAsync(AgentDefinition agent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var skills = await proposals.ListAuthoredAsync(agent.Namespace, agent.Name, cancellationToken);
        return JsonSerializer.Serialize(new { skills, maxAuthoredSkills = agent.Evolution.MaxAuthoredSkills }, ToolResultJson.Options);
    }

    private async Task<ProposalResult> DecideAsync(AgentDefinition agent, Guid? taskId, IReadOnlyDictionary<string, string?> arguments, CancellationToken cancellationToken)
    {
        var (ns, name, evolution) = (agent.Namespace, agent.Name, agent.Evolution);
        // Unread arguments may be anything: the row keeps a bounded excerpt of the name and version.
        var raw = new Draft(Excerpt(arguments.GetValueOrDefault("name")), Excerpt(arguments.GetValueOrDefault("version")), GuessType(arguments), NoSpec);

        var recent = await proposals.CountRecentAsync(ns, name, RateWindow, cancellationToken);
        if (recent >= evolution.MaxProposalsPerHour)
        {
            return await RefuseAsync(agent, taskId, raw, ProposalRefusals.RateLimited,
                $"{recent} proposals in the last hour; spec.evolution.maxProposalsPerHour is {evolution.MaxProposalsPerHour}. Try again later.", cancellationToken);
        }

        if (SkillProposalRequest.CheckSize(arguments) is { } tooLarge)
        {
            return await RefuseAsync(agent, taskId, raw, ProposalRefusals.TooLarge, tooLarge, cancellationToken);
        }

        var request = SkillProposalRequest.Parse(arguments, out var errors);
        if (request is null)
        {
            return await RejectAsync(agent, taskId, raw, errors, cancellationToken);
        }

        var version = request.Version ?? SkillVersionBump.Next(await proposals.KnownVersionsAsync(ns, name, request.Name, cancellationToken));
        var spec = request.ToSpec(version, name);
        var draft = new Draft(request.Name, version, request.Type, spec);

        var origin = await proposals.FindPublishedOriginAsync(ns, request.Name, cancellationToken);
        if (origin is { IsHuman: true })
        {
            return await RefuseAsync(agent, taskId, draft, ProposalRefusals.NameOwnedByHuman,
                $"skill '{request.Name}' is a human-authored skill in this namespace; choose another name", cancellationToken);
        }

        var owner = origin?.AgentName is { } published && published != name ? published : await proposals.FindOtherProposerAsync(ns, request.Name, name, cancellationToken);
        if (owner is not null)
        {
            return await RefuseAsync(agent, taskId, draft, ProposalRefusals.NameOwnedByOtherAgent,
                $"skill '{request.Name}' belongs to agent '{owner}'; choose another name", cancellationToken);
        }

        var authored = await proposals.AuthoredNamesAsync(ns, name, cancellationToken);
        if (!authored.Contains(request.Name) && authored.Count >= evolution.MaxAuthoredSkills)
        {
            return await RefuseAsync(agent, taskId, draft, ProposalRefusals.QuotaExceeded,
                $"this agent has authored {authored.Count} skills ({string.Join(", ", authored.Order(StringComparer.Ordinal))}) and spec.evolution.maxAuthoredSkills is {evolution.MaxAuthoredSkills}; propose a new version of one of them instead",
                cancellationToken);
        }

        var digest = SkillDigest.Compute(spec);
        var check = request.Type == SkillProposalRequest.CSharp
            ? await checker.CheckCSharpAsync(request.Source!, digest, SkillNames.ToKernelName(request.Name), request.TestCases(), $"{ns}/{name}", cancellationToken)
            : SkillChecker.CheckPrompt(request.PromptDefinition());
        if (!check.Succeeded)
        {
            return await RejectAsync(agent, taskId, draft, check.Diagnostics, cancellationToken);
        }

        var id = Guid.CreateVersion7();
        await proposals.InsertAsync(Record(agent, taskId, id, draft, ProposalStates.Accepted), cancellationToken);
        return await AwaitOperatorAsync(id, draft, digest, cancellationToken);
    }

    /// <summary>Polls the row until the operator moves it on: the operator changes it in place; the worker may only read it.</summary>
    private async Task<ProposalResult> AwaitOperatorAsync(Guid id, Draft draft, string digest, CancellationToken cancellationToken)
    {
        var accepted = new ProposalResult { State = ProposalStates.Accepted, Skill = draft.Skill, Version = draft.Version, Digest = digest };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ProposalWait);
        try
        {
            while (true)
            {
                var state = await proposals.FindStateAsync(id, deadline.Token);
                if (state is { State: ProposalStates.PendingApproval or ProposalStates.Published })
                {
                    return accepted with { State = state.State, Message = state.Message };
                }

                if (state is { State: ProposalStates.Rejected })
                {
                    return ProposalResult.Rejected(Diagnostics(state.DiagnosticsJson), state.Message ?? "the operator rejected the proposal") with
                    {
                        Skill = draft.Skill,
                        Version = draft.Version,
                        Digest = digest,
                    };
                }

                await Task.Delay(PollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return accepted with { Message = "waiting for the operator" };
        }
    }

    private async Task<ProposalResult> RefuseAsync(AgentDefinition agent, Guid? taskId, Draft draft, string reason, string message, CancellationToken cancellationToken)
    {
        await proposals.InsertAsync(Record(agent, taskId, Guid.CreateVersion7(), draft, ProposalStates.Refused, reason, message), cancellationToken);
        return ProposalResult.Refused(reason, message);
    }

    private async Task<ProposalResult> RejectAsync(AgentDefinition agent, Guid? taskId, Draft draft, IReadOnlyList<SkillDiagnostic> diagnostics, CancellationToken cancellationToken)
    {
        await proposals.InsertAsync(Record(agent, taskId, Guid.CreateVersion7(), draft, ProposalStates.Rejected, diagnostics: diagnostics), cancellationToken);
        return ProposalResult.Rejected(diagnostics);
    }

    private static SkillProposalRecord Record(
        AgentDefinition agent, Guid? taskId, Guid id, Draft draft, string state, string? reason = null, string? message = null, IReadOnlyList<SkillDiagnostic>? diagnostics = null) =>
        new(id, agent.Namespace, agent.Name, taskId, draft.Skill, draft.Version, draft.Type, draft.Spec.ToJsonString(), SkillDigest.Compute(draft.Spec), state, reason, message,
            JsonSerializer.Serialize(diagnostics ?? [], JsonSerializerOptions.Web));

    private static List<SkillDiagnostic> Diagnostics(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<SkillDiagnostic>>(json, JsonSerializerOptions.Web) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string Excerpt(string? text) => text is { Length: > 253 } ? text[..253] : text ?? "";

    /// <summary>The row's type column admits CSharp or Prompt only; a proposal refused before it was read gets the likelier one.</summary>
    private static string GuessType(IReadOnlyDictionary<string, string?> arguments) =>
        string.Equals(arguments.GetValueOrDefault("type"), SkillProposalRequest.Prompt, StringComparison.OrdinalIgnoreCase)
        || (arguments.GetValueOrDefault("template") is not null && arguments.GetValueOrDefault("source") is null)
            ? SkillProposalRequest.Prompt
            : SkillProposalRequest.CSharp;

    /// <summary>What a row records of a proposal: the spec is empty when the proposal was refused or rejected before it could be read.</summary>
    private sealed record Draft(string Skill, string Version, string Type, JsonObject Spec);
}
