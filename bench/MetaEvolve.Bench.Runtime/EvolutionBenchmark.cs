using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;

namespace MetaEvolve.Bench.Runtime;

/// <summary>
/// evolution.approve_to_served and evolution.rollback_to_served on an <see cref="EvolutionBed"/>: a Skill the bed's agent
/// authored (spec.origin and the authored-by label, as the operator writes a proposal's Skill), its agent under approval
/// Manual. Each approve round edits the Skill to a new version, waits (untimed) until the operator has validated it
/// and holds it Pending with its digest, then times from the merge patch that writes
/// <c>metaevolve.io/approve=&lt;digest&gt;</c> (what <c>metaevolve skill approve</c> sends) until every worker announced that
/// digest. Each rollback round times from writing <c>metaevolve.io/rollback-to=&lt;version&gt;</c> (what
/// <c>metaevolve skill rollback</c> sends) until every worker announced that earlier version's digest; the targets
/// alternate between two approved versions, so each round changes what is served.
/// </summary>
internal sealed class EvolutionBenchmark(EvolutionBed bed) : IAsyncDisposable
{
    public const string Skill = "probe";

    private static readonly TimeSpan PendingTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ServedTimeout = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, string> _approved = new(StringComparer.Ordinal);
    private AppliedSkillDigests? _applied;
    private int _round;

    /// <summary>Version 1.0.0 pending, approved and served on every worker (untimed: the workers' first load).</summary>
    public async Task SetUpAsync(CancellationToken cancellationToken)
    {
        _applied = await AppliedSkillDigests.ListenAsync(bed.Nats, bed.Connections.Names.ConfigApplied(bed.Namespace, EvolutionBed.Agent), Skill, cancellationToken);
        await bed.WaitForWorkersAsync(_applied, cancellationToken);
        var skill = new JsonObject
        {
            ["apiVersion"] = ApiGroup.ApiVersion,
            ["kind"] = V1Alpha1Skill.KubeKind,
            ["metadata"] = new JsonObject
            {
                ["name"] = Skill,
                ["namespace"] = bed.Namespace,
                ["labels"] = new JsonObject { [AuthoredSkillKeys.AuthoredBy] = EvolutionBed.Agent },
            },
            ["spec"] = Spec(0),
        };
        skill["spec"]!["origin"] = new JsonObject { ["authoredBy"] = "Agent", ["agentRef"] = new JsonObject { ["name"] = EvolutionBed.Agent } };
        await bed.Client.CustomObjects.CreateNamespacedCustomObjectAsync(skill, ApiGroup.Group, ApiGroup.Version, bed.Namespace, V1Alpha1Skill.KubePlural,
            cancellationToken: cancellationToken);
        await ApproveOnceAsync(Version(0), cancellationToken);
    }

    /// <returns>Milliseconds per round.</returns>
    public async Task<List<double>> ApproveAsync(int rounds, CancellationToken cancellationToken)
    {
        var latencies = new List<double>(rounds);
        for (var i = 0; i < rounds; i++)
        {
            var round = ++_round;
            await PatchAsync(new JsonObject { ["spec"] = Spec(round) }, cancellationToken);
            latencies.Add(await ApproveOnceAsync(Version(round), cancellationToken));
        }

        return latencies;
    }

    /// <summary>Rolls back to the two versions approved before the latest, in turn; call after <see cref="ApproveAsync"/> with at least two rounds.</summary>
    /// <returns>Milliseconds per round.</returns>
    public async Task<List<double>> RollbackAsync(int rounds, CancellationToken cancellationToken)
    {
        var applied = _applied ?? throw new InvalidOperationException("SetUpAsync first");
        if (_round < 2)
        {
            throw new InvalidOperationException("rolling back needs two versions approved before the latest");
        }

        string[] targets = [Version(_round - 1), Version(_round - 2)];
        var latencies = new List<double>(rounds);
        for (var i = 0; i < rounds; i++)
        {
            var version = targets[i % 2];
            var digest = _approved[version];
            var started = Stopwatch.GetTimestamp();
            await PatchAsync(Annotations(new JsonObject { [AuthoredSkillKeys.RollbackTo] = version }), cancellationToken);
            long served;
            try
            {
                served = await applied.WhenServedAsync(digest, EvolutionBed.Workers, started, ServedTimeout, cancellationToken);
            }
            catch (TimeoutException exception) when (i == 0)
            {
                throw new TimeoutException($"rolling back to {version}: {exception.Message}; does this operator build act on {AuthoredSkillKeys.RollbackTo}?", exception);
            }

            latencies.Add(Stopwatch.GetElapsedTime(started, served).TotalMilliseconds);
            // Untimed: the operator has taken the annotation away and says so in the status, so the next round's
            // annotation is a change it sees.
            await UntilSkillAsync(s => s["metadata"]?["annotations"]?[AuthoredSkillKeys.RollbackTo] is null && (string?)s["status"]?["publishedDigest"] == digest,
                $"the operator to serve {version} ({digest}) and remove {AuthoredSkillKeys.RollbackTo}", cancellationToken);
        }

        return latencies;
    }

    /// <summary>Waits until the current spec is Pending, then times the approval until every worker serves it.</summary>
    private async Task<double> ApproveOnceAsync(string version, CancellationToken cancellationToken)
    {
        var applied = _applied ?? throw new InvalidOperationException("SetUpAsync first");
        string? digest = null;
        await UntilSkillAsync(s =>
        {
            var approval = s["status"]?["approval"];
            digest = (string?)approval?["digest"];
            return (string?)s["spec"]?["version"] == version && (string?)approval?["state"] == nameof(SkillApprovalState.Pending)
                && (long?)s["status"]?["observedGeneration"] == (long?)s["metadata"]?["generation"];
        }, $"version {version} to await approval", cancellationToken);

        var started = Stopwatch.GetTimestamp();
        await PatchAsync(Annotations(new JsonObject { [AuthoredSkillKeys.Approve] = digest, [AuthoredSkillKeys.ApprovedBy] = "bench-runtime" }), cancellationToken);
        var served = await applied.WhenServedAsync(digest!, EvolutionBed.Workers, started, ServedTimeout, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started, served).TotalMilliseconds;
        _approved[version] = digest!;
        // Untimed: the approval is in the status before the next round edits the spec.
        await UntilSkillAsync(s => (string?)s["status"]?["publishedDigest"] == digest, $"version {version} ({digest}) to be published", cancellationToken);
        return elapsed;
    }

    private async Task UntilSkillAsync(Func<JsonObject, bool> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(PendingTimeout.TotalSeconds * Stopwatch.Frequency);
        while (bed.Skill(Skill) is not { } skill || !condition(skill))
        {
            bed.ThrowIfOperatorExited(what);
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"timed out after {PendingTimeout.TotalSeconds:0} s waiting for {what} (skill status: {bed.Skill(Skill)?["status"]?.ToJsonString()})");
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    private async Task PatchAsync(JsonObject patch, CancellationToken cancellationToken) =>
        await bed.Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, bed.Namespace, V1Alpha1Skill.KubePlural, Skill, cancellationToken: cancellationToken);

    private static JsonObject Annotations(JsonObject annotations) => new() { ["metadata"] = new JsonObject { ["annotations"] = annotations } };

    private static string Version(int round) => string.Create(CultureInfo.InvariantCulture, $"1.0.{round}");

    /// <summary>Each round's version answers differently, and its test says so: a new digest every round.</summary>
    private static JsonObject Spec(int round) => new()
    {
        ["type"] = "CSharp",
        ["version"] = Version(round),
        ["description"] = "Says which benchmark round wrote it.",
        ["csharp"] = new JsonObject
        {
            ["source"] = string.Create(CultureInfo.InvariantCulture, $$"""
                using Microsoft.SemanticKernel;

                public sealed class Probe
                {
                    [KernelFunction]
                    public string Round() => "r{{round}}";
                }
                """),
        },
        ["tests"] = new JsonArray(new JsonObject
        {
            ["name"] = "round",
            ["function"] = "Round",
            ["expect"] = new JsonObject { ["equals"] = string.Create(CultureInfo.InvariantCulture, $"r{round}") },
        }),
    };

    public async ValueTask DisposeAsync()
    {
        if (_applied is not null)
        {
            await _applied.DisposeAsync();
        }
    }
}
