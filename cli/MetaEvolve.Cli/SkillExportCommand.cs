using System.CommandLine;
using k8s;
using k8s.Models;
using MetaEvolve.Cli.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Generation;
using MetaEvolve.Crds.Labels;

namespace MetaEvolve.Cli;

/// <summary>
/// <c>metaevolve skill export &lt;name&gt; [--adopt]</c>: prints a clean manifest of a Skill — the spec served now, without
/// status, server-set metadata or the approval and rollback annotations — to commit to Git (an authored Skill is born in
/// the cluster, so Argo CD does not track it until it is in a repository). <c>--adopt</c> also drops spec.origin and the
/// authored-by label: the Skill becomes a person's, and its agent can no longer propose versions of it.
/// </summary>
internal static class SkillExportCommand
{
    /// <summary>Annotations about the object's life in this cluster, not about what it is.</summary>
    private static readonly string[] OperationalAnnotations =
    [
        AuthoredSkillKeys.Approve, AuthoredSkillKeys.Reject, AuthoredSkillKeys.ApprovedBy, AuthoredSkillKeys.RollbackTo,
        "kubectl.kubernetes.io/last-applied-configuration",
    ];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "The Skill." };
        var adopt = new Option<bool>("--adopt") { Description = "Drop spec.origin and the authored-by label: the Skill becomes human-owned." };
        return KubeconfigCommand.Create("export",
            "Print a clean manifest of a skill (an agent-authored one, typically) for committing to Git; only the version served now is exported.",
            error,
            (client, ns, parse, cancellationToken) => ExportAsync(client, ns, parse.GetValue(name)!, parse.GetValue(adopt), output, error, cancellationToken),
            name, adopt);
    }

    private static async Task<int> ExportAsync(Kubernetes client, string ns, string name, bool adopt, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var skill = await KubeconfigCommand.ReadSkillAsync(client, ns, name, cancellationToken);
        if (NotServed(skill) is { } why)
        {
            await error.WriteLineAsync($"error: skill {ns}/{name}: {why}; only the version served is exported");
            return TaskExitCode.Refused;
        }

        await output.WriteAsync(Yaml(skill, adopt));
        return TaskExitCode.Ok;
    }

    /// <summary>Why the spec is not the version agents get (it waits for approval, was rejected, is invalid or not reconciled yet), or null.</summary>
    private static string? NotServed(V1Alpha1Skill skill)
    {
        if (skill.Status is not { } status || status.ObservedGeneration != skill.Metadata.Generation)
        {
            return "the operator has not reconciled its spec yet";
        }

        if (status.Approval is { State: SkillApprovalState.Pending or SkillApprovalState.Rejected } approval && approval.Digest == status.Digest)
        {
            return $"its spec holds version {skill.Spec.Version}, {approval.State.ToString()!.ToLowerInvariant()} (approve it, or roll back)";
        }

        return status.PublishedDigest is null || status.PublishedDigest != status.Digest
            ? $"its spec (version {skill.Spec.Version}) is not published: {status.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Ready)?.Message}"
            : null;
    }

    /// <summary>
    /// The manifest as a YAML file, written through the JSON form so fields carry their wire names (<c>csharp</c>,
    /// <c>equals</c>; KubernetesYaml would write the C# names <c>cSharp</c>, <c>equalTo</c>, which the API server drops).
    /// </summary>
    public static string Yaml(V1Alpha1Skill skill, bool adopt) => ManifestYaml.Serialize(Clean(skill, adopt));

    public static V1Alpha1Skill Clean(V1Alpha1Skill skill, bool adopt)
    {
        var labels = skill.Metadata.Labels?.Where(l => !adopt || l.Key != AuthoredSkillKeys.AuthoredBy).ToDictionary();
        var annotations = skill.Metadata.Annotations?.Where(a => !OperationalAnnotations.Contains(a.Key)).ToDictionary();
        var spec = KubernetesJson.Deserialize<V1Alpha1SkillSpec>(KubernetesJson.Serialize(skill.Spec));
        if (adopt)
        {
            spec.Origin = null;
        }

        return new V1Alpha1Skill
        {
            ApiVersion = $"{ApiGroup.Group}/{ApiGroup.Version}",
            Kind = V1Alpha1Skill.KubeKind,
            Metadata = new V1ObjectMeta
            {
                Name = skill.Metadata.Name,
                NamespaceProperty = skill.Metadata.NamespaceProperty,
                Labels = labels is { Count: > 0 } ? labels : null,
                Annotations = annotations is { Count: > 0 } ? annotations : null,
            },
            Spec = spec,
            // Not part of what is committed; the type starts it empty, which would print "status: {}".
            Status = null!,
        };
    }
}
