using System.CommandLine;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Cli.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;

namespace MetaEvolve.Cli;

/// <summary>
/// <c>metaevolve skill approve|reject &lt;name&gt;</c>: a person's decision on the version of an agent-authored skill that
/// waits for approval. It writes the annotation the operator acts on (<c>metaevolve.io/approve</c> or
/// <c>metaevolve.io/reject</c> set to the pending digest, so the decision covers exactly what was reviewed) and
/// <c>metaevolve.io/approved-by</c> with the caller's name from a SelfSubjectReview, then waits until the operator
/// published (or rejected) that digest. Patching the Skill is the right it needs.
/// </summary>
internal static class SkillApprovalCommand
{
    public static Command Create(string verb, TextWriter output, TextWriter error)
    {
        var approve = verb == "approve";
        var name = new Argument<string>("name") { Description = "The Skill." };
        var timeout = new Option<TimeSpan>("--timeout") { Description = "How long to wait for the operator.", DefaultValueFactory = _ => TimeSpan.FromSeconds(30) };
        return KubeconfigCommand.Create(verb, approve
                ? "Approve the version of an agent-authored skill that waits for approval; waits until the operator publishes it."
                : "Reject the version of an agent-authored skill that waits for approval: it is never served.",
            error,
            (client, ns, parse, cancellationToken) => DecideAsync(client, ns, parse.GetValue(name)!, approve, parse.GetValue(timeout), output, error, cancellationToken),
            name, timeout);
    }

    private static async Task<int> DecideAsync(Kubernetes client, string ns, string name, bool approve, TimeSpan timeout, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var skill = await KubeconfigCommand.ReadSkillAsync(client, ns, name, cancellationToken);
        if (skill.Status?.Approval is not { State: SkillApprovalState.Pending, Digest: { } digest })
        {
            await error.WriteLineAsync($"error: skill {ns}/{name} has no version waiting for approval (approval: {skill.Status?.Approval?.State?.ToString() ?? "none"})");
            return TaskExitCode.Refused;
        }

        var by = await KubeconfigCommand.WhoAmIAsync(client, cancellationToken);
        var annotations = new JsonObject { [approve ? AuthoredSkillKeys.Approve : AuthoredSkillKeys.Reject] = digest };
        if (by is not null)
        {
            annotations[AuthoredSkillKeys.ApprovedBy] = by;
        }
        else
        {
            await error.WriteLineAsync("warning: the API server does not answer SelfSubjectReviews; the decision names no one");
        }

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } };
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, ns, V1Alpha1Skill.KubePlural, name, cancellationToken: cancellationToken);
        await output.WriteLineAsync($"{(approve ? "approved" : "rejected")} skill {ns}/{name} version {skill.Spec.Version} ({digest}){(by is null ? "" : $" as {by}")}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // The decision is done once the operator acted on it: approved means served from now on.
            await KubeconfigCommand.WaitForSkillAsync(client, ns, name, s => s.Status?.Approval?.Digest == digest && (approve
                ? s.Status.Approval.State == SkillApprovalState.Approved && s.Status.PublishedDigest == digest
                : s.Status.Approval.State == SkillApprovalState.Rejected), deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"error: the operator did not act on the decision within {timeout.TotalSeconds:0} s; is it running? (the annotation stays: it acts when it can)");
            return TaskExitCode.Unavailable;
        }

        if (approve)
        {
            await output.WriteLineAsync($"version {skill.Spec.Version} is served");
        }

        return TaskExitCode.Ok;
    }
}
