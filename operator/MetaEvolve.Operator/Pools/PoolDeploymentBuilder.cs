using System.Globalization;
using k8s.Models;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Skills.Mcp;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// The Deployment a pool should have — a pure function of the pool, its agents and the operator's settings, so it
/// is tested without a server. The operator owns command, probes and security; the pool's spec.template adds
/// resources, environment, scheduling and metadata.
/// </summary>
public static class PoolDeploymentBuilder
{
    /// <param name="secretAllowed">Whether an agent may use the named Secret (AgentSecretPolicy); a refused one is left out.</param>
    /// <param name="mcpSkills">The Mcp skills the pool's agents use: their header Secrets reach the workers as variables.</param>
    public static V1Deployment Build(V1Alpha1AgentPool pool, IReadOnlyList<V1Alpha1Agent> agents, PoolRuntimeOptions settings, string connectionHash, Func<string, bool> secretAllowed,
        IReadOnlyList<V1Alpha1Skill>? mcpSkills = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(settings);
        var template = pool.Spec.Template ?? new AgentPoolPodTemplate();
        var selector = PoolNames.Selector(pool);
        var grace = PoolDefaults.TerminationGracePeriodSeconds(pool);

        var podLabels = new Dictionary<string, string>(template.Labels ?? new Dictionary<string, string>())
        {
            [PoolNames.InstanceLabel] = pool.Metadata.Name,
            [PoolNames.ManagedByLabel] = PoolNames.ManagedBy,
        };
        foreach (var (key, value) in selector)
        {
            podLabels[key] = value;
        }

        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta
            {
                Name = PoolNames.Deployment(pool),
                NamespaceProperty = pool.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(podLabels.Where(p => selector.ContainsKey(p.Key) || p.Key.StartsWith("app.kubernetes.io/", StringComparison.Ordinal))),
                OwnerReferences = [OwnerReference(pool)],
                Annotations = new Dictionary<string, string>(),
            },
            Spec = new V1DeploymentSpec
            {
                Replicas = PoolDefaults.DeploymentReplicas(pool),
                Selector = new V1LabelSelector { MatchLabels = selector },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = podLabels,
                        Annotations = new Dictionary<string, string>(template.Annotations ?? new Dictionary<string, string>()),
                    },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = template.ServiceAccountName,
                        ImagePullSecrets = template.ImagePullSecrets,
                        NodeSelector = template.NodeSelector,
                        Tolerations = template.Tolerations,
                        Affinity = template.Affinity,
                        TerminationGracePeriodSeconds = grace,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        Containers = [Container(pool, agents, mcpSkills ?? [], settings, template, grace, secretAllowed)],
                        // A read-only root file system still needs somewhere for .NET's temporary files.
                        Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }],
                    },
                },
            },
        };

        var hash = DeploymentHash(deployment, connectionHash);
        deployment.Metadata.Annotations[PoolNames.ConfigHashAnnotation] = hash;
        deployment.Spec.Template.Metadata.Annotations[PoolNames.ConfigHashAnnotation] = hash;
        return deployment;
    }

    public static V1OwnerReference OwnerReference(V1Alpha1AgentPool pool) => new()
    {
        ApiVersion = pool?.ApiVersion ?? ApiGroup.ApiVersion,
        Kind = V1Alpha1AgentPool.KubeKind,
        Name = pool?.Metadata.Name,
        Uid = pool?.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    private static V1Container Container(V1Alpha1AgentPool pool, IReadOnlyList<V1Alpha1Agent> agents, IReadOnlyList<V1Alpha1Skill> mcpSkills, PoolRuntimeOptions settings, AgentPoolPodTemplate template, long grace, Func<string, bool> secretAllowed)
    {
        var env = new List<V1EnvVar>(template.Env ?? []);
        // Ours come last: for a repeated name the last value wins, so a template cannot change the pool's identity.
        void Set(string name, string value)
        {
            env.RemoveAll(e => e.Name == name);
            env.Add(new V1EnvVar { Name = name, Value = value });
        }

        Set("ASPNETCORE_HTTP_PORTS", PoolNames.HttpPort.ToString(CultureInfo.InvariantCulture));
        Set("Worker__Namespace", pool.Metadata.NamespaceProperty ?? "default");
        Set("Worker__Pool", pool.Metadata.Name);
        Set("Worker__Schema", settings.StoreSchema);
        Set("Worker__Concurrency", PoolDefaults.Concurrency(pool).ToString(CultureInfo.InvariantCulture));
        Set("Worker__AckWait", TimeSpan.FromSeconds(PoolDefaults.AckWaitSeconds(pool)).ToString("c", CultureInfo.InvariantCulture));
        Set("Worker__MaxDeliver", PoolDefaults.MaxDeliver(pool).ToString(CultureInfo.InvariantCulture));
        Set("Worker__TaskTimeout", TimeSpan.FromSeconds(PoolDefaults.TimeoutSeconds(pool)).ToString("c", CultureInfo.InvariantCulture));
        // The operator owns the consumer (and its settings); workers only bind to it.
        Set("Worker__CreateConsumer", "false");
        Set("Worker__ShutdownGrace", TimeSpan.FromSeconds(Math.Max(1, grace - 5)).ToString("c", CultureInfo.InvariantCulture));

        // Optional: the template is shared by every agent of the pool, and a required reference to one agent's missing
        // Secret would keep every replica from starting (CreateContainerConfigError). The agent reports the missing
        // Secret itself (Ready False SecretNotFound) and the worker fails only that agent's model calls.
        foreach (var agent in agents.OrderBy(a => a.Metadata.Name, StringComparer.Ordinal))
        {
            // A Secret the agent may not use is never put in the workers' environment (AgentSecretPolicy): nothing of it is sent.
            if (agent.Spec.Model?.ApiKeySecretRef is { } key && secretAllowed(key.Name))
            {
                var name = AgentSecrets.ApiKeyVariable(agent.Metadata.Name);
                env.RemoveAll(e => e.Name == name);
                env.Add(new V1EnvVar { Name = name, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = key.Key, Name = key.Name, Optional = true } } });
            }
        }

        // Mcp skills' headers, the same way and for the same reasons: optional, and only from Secrets agents may use.
        foreach (var skill in mcpSkills.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            foreach (var header in skill.Spec.Mcp?.HeadersFrom ?? [])
            {
                if (secretAllowed(header.SecretKeyRef.Name))
                {
                    var name = McpHeaderSecrets.Variable(skill.Metadata.Name, header.Name);
                    env.RemoveAll(e => e.Name == name);
                    env.Add(new V1EnvVar
                    {
                        Name = name,
                        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = header.SecretKeyRef.Key, Name = header.SecretKeyRef.Name, Optional = true } },
                    });
                }
            }
        }

        var envFrom = new List<V1EnvFromSource>(template.EnvFrom ?? [])
        {
            new() { SecretRef = new V1SecretEnvSource { Name = PoolNames.ConnectionSecret, Optional = false } },
        };

        return new V1Container
        {
            Name = PoolNames.ContainerName,
            Image = string.IsNullOrEmpty(pool.Spec.Image) ? settings.DefaultImage : pool.Spec.Image,
            Ports = [new V1ContainerPort { ContainerPort = PoolNames.HttpPort, Name = "http", Protocol = "TCP" }],
            Env = env,
            EnvFrom = envFrom,
            Resources = template.Resources,
            LivenessProbe = Probe("/healthz", failureThreshold: 3),
            ReadinessProbe = Probe("/readyz", failureThreshold: 1),
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true,
                ReadOnlyRootFilesystem = true,
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            VolumeMounts = [new V1VolumeMount { MountPath = "/tmp", Name = "tmp" }],
        };
    }

    private static V1Probe Probe(string path, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = "http" },
        PeriodSeconds = 10,
        TimeoutSeconds = 2,
        FailureThreshold = failureThreshold,
    };

    /// <summary>
    /// Everything the operator decides about the Deployment except the replica count (an autoscaler may own it), plus
    /// the connection settings' hash, so a changed Secret rolls the workers too.
    /// </summary>
    private static string DeploymentHash(V1Deployment deployment, string connectionHash)
    {
        var replicas = deployment.Spec.Replicas;
        deployment.Spec.Replicas = null;
        var hash = ConfigHash.Of(deployment, connectionHash);
        deployment.Spec.Replicas = replicas;
        return hash;
    }
}
