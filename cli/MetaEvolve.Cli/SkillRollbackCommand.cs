using System.CommandLine;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Cli.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;

namespace MetaEvolve.Cli;

/// <summary>
/// <c>metaevolve skill rollback &lt;name&gt; [--to &lt;version&gt;]</c>: asks the operator, with the annotation
/// <c>metaevolve.io/rollback-to</c>, to write a stored version's spec back into the Skill (the CLI holds no store
/// credentials; the operator does), then waits until it did and the restored version is served — or says why not.
/// </summary>
internal static class SkillRollbackCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "The Skill." };
        var to = new Option<string?>("--to") { Description = "The version to restore (default: the version stored before the one served now)." };
        var timeout = new Option<TimeSpan>("--timeout") { Description = "How long to wait for the operator.", DefaultValueFactory = _ => TimeSpan.FromSeconds(30) };
        return KubeconfigCommand.Create("rollback",
            "Restore a stored version of a skill into its spec (a real spec change, seen by kubectl diff and GitOps); "
            + "a version approved before needs no new approval. Waits until the operator serves it.",
            error,
            (client, ns, parse, cancellationToken) => RollBackAsync(client, ns, parse.GetValue(name)!, parse.GetValue(to), parse.GetValue(timeout), output, error, cancellationToken),
            name, to, timeout);
    }

    private static async Task<int> RollBackAsync(Kubernetes client, string ns, string name, string? to, TimeSpan timeout, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var before = await KubeconfigCommand.ReadSkillAsync(client, ns, name, cancellationToken);
        var requestedAt = DateTime.UtcNow;
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [AuthoredSkillKeys.RollbackTo] = to ?? AuthoredSkillKeys.RollbackToPrevious } },
        };
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, ns, V1Alpha1Skill.KubePlural, name, cancellationToken: cancellationToken);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var skill = await KubeconfigCommand.WaitForSkillAsync(client, ns, name, s => !s.Metadata.Annotations.ContainsKey(AuthoredSkillKeys.RollbackTo), deadline.Token);
            if (skill.Metadata.Generation == before.Metadata.Generation)
            {
                await error.WriteLineAsync($"error: {await RefusalAsync(client, ns, before, requestedAt, cancellationToken) ?? "the operator restored nothing (see kubectl describe skill)"}");
                return TaskExitCode.Refused;
            }

            var generation = skill.Metadata.Generation;
            skill = await KubeconfigCommand.WaitForSkillAsync(client, ns, name, s => s.Status?.ObservedGeneration >= generation, deadline.Token);
            if (skill.Status?.PublishedDigest != skill.Status?.Digest)
            {
                await error.WriteLineAsync($"error: version {skill.Spec.Version} was restored into the spec but is not served: {Ready(skill)?.Message}");
                return TaskExitCode.Refused;
            }

            await output.WriteLineAsync($"rolled back skill {ns}/{name} from version {before.Spec.Version} to {skill.Spec.Version} ({skill.Status!.PublishedDigest}); it is served");
            return TaskExitCode.Ok;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"error: the operator did not finish the rollback within {timeout.TotalSeconds:0} s; is it running? "
                + $"(while the annotation {AuthoredSkillKeys.RollbackTo} stays, it acts when it can)");
            return TaskExitCode.Unavailable;
        }
    }

    /// <summary>Why the operator left the spec alone: its SkillRollbackFailed event about this Skill since the request.</summary>
    private static async Task<string?> RefusalAsync(Kubernetes client, string ns, V1Alpha1Skill skill, DateTime since, CancellationToken cancellationToken)
    {
        var events = await client.CoreV1.ListNamespacedEventAsync(ns,
            fieldSelector: $"involvedObject.name={skill.Metadata.Name},involvedObject.uid={skill.Metadata.Uid},reason={SkillEvents.RollbackFailed}",
            cancellationToken: cancellationToken);
        return events.Items
            .Where(e => (e.LastTimestamp ?? e.EventTime ?? DateTime.MinValue) >= since.AddSeconds(-1))
            .OrderByDescending(e => e.LastTimestamp ?? e.EventTime)
            .FirstOrDefault()?.Message;
    }

    private static V1Condition? Ready(V1Alpha1Skill skill) => skill.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Ready);
}
