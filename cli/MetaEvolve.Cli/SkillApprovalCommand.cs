using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.Models;
using MetaEvolve.Cli.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;

namespace MetaEvolve.Cli;

/// <summary>
/// <c>metaevolve skill approve|reject &lt;name&gt;</c>: a person's decision on the version of an agent-authored skill that
/// waits for approval. It writes the annotation the operator acts on (<c>metaevolve.io/approve</c> or
/// <c>metaevolve.io/reject</c> set to the pending digest, so the decision covers exactly what was reviewed) and
/// <c>metaevolve.io/approved-by</c> with the caller's name from a SelfSubjectReview. Kubernetes RBAC decides who may:
/// the command uses the kubeconfig, and patching the Skill is the right it needs.
/// </summary>
internal static class SkillApprovalCommand
{
    public static Command Create(string verb, TextWriter output, TextWriter error)
    {
        var approve = verb == "approve";
        var name = new Argument<string>("name") { Description = "The Skill." };
        var ns = new Option<string?>("--namespace", "-n") { Description = "The Skill's namespace (default: the kubeconfig context's)." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)." };
        var command = new Command(verb, (approve
            ? "Approve the version of an agent-authored skill that waits for approval: the operator then publishes it."
            : "Reject the version of an agent-authored skill that waits for approval: it is never served.")
            + "\nExit codes: 0 done, 2 refused (no version waits, not found, forbidden), 3 the API server is unavailable.")
        {
            name, ns, kubeconfig,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(parse.GetValue(kubeconfig));
                using var client = new Kubernetes(config);
                return await DecideAsync(client, parse.GetValue(ns) ?? config.Namespace ?? "default", parse.GetValue(name)!, approve, output, error, cancellationToken);
            }
            catch (KubeConfigException exception)
            {
                await error.WriteLineAsync($"error: kubeconfig: {exception.Message}");
                return TaskExitCode.Refused;
            }
            catch (HttpOperationException exception) when ((int)exception.Response.StatusCode is >= 400 and < 500)
            {
                await error.WriteLineAsync($"error: {(int)exception.Response.StatusCode} {StatusMessage(exception)}");
                return TaskExitCode.Refused;
            }
            catch (Exception exception) when (exception is HttpOperationException or HttpRequestException or TaskCanceledException)
            {
                await error.WriteLineAsync($"error: the API server is unavailable: {exception.Message}");
                return TaskExitCode.Unavailable;
            }
        });
        return command;
    }

    private static async Task<int> DecideAsync(Kubernetes client, string ns, string name, bool approve, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var found = await client.CustomObjects.GetNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, V1Alpha1Skill.KubePlural, name, cancellationToken);
        var skill = KubernetesJson.Deserialize<V1Alpha1Skill>(((JsonElement)found).GetRawText());
        if (skill.Status?.Approval is not { State: SkillApprovalState.Pending, Digest: { } digest })
        {
            await error.WriteLineAsync($"error: skill {ns}/{name} has no version waiting for approval (approval: {skill.Status?.Approval?.State?.ToString() ?? "none"})");
            return TaskExitCode.Refused;
        }

        var by = await WhoAmIAsync(client, cancellationToken);
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
        return TaskExitCode.Ok;
    }

    /// <summary>The caller's user name, or null from an API server that does not serve SelfSubjectReviews (before 1.28).</summary>
    private static async Task<string?> WhoAmIAsync(Kubernetes client, CancellationToken cancellationToken)
    {
        try
        {
            var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview(), cancellationToken: cancellationToken);
            return review.Status?.UserInfo?.Username;
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static string StatusMessage(HttpOperationException exception)
    {
        try
        {
            return (string?)JsonNode.Parse(exception.Response.Content)?["message"] ?? exception.Message;
        }
        catch (JsonException)
        {
            return exception.Message;
        }
    }
}
