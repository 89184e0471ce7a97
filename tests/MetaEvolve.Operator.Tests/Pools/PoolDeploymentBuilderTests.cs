using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using static MetaEvolve.Operator.Tests.Pools.PoolFixtures;

namespace MetaEvolve.Operator.Tests.Pools;

public class PoolDeploymentBuilderTests
{
    private static bool AllowAll(string secret) => true;

    [Fact]
    public void Workers_run_non_root_with_a_read_only_root_and_no_capabilities()
    {
        var deployment = PoolDeploymentBuilder.Build(Pool(), [], Settings, "c1", AllowAll);
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.True(container.SecurityContext.RunAsNonRoot);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Contains(container.VolumeMounts, m => m.MountPath == "/tmp");
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
    }

    [Fact]
    public void The_pool_identity_concurrency_and_delivery_settings_reach_the_worker()
    {
        var deployment = PoolDeploymentBuilder.Build(Pool(s =>
        {
            s.Concurrency = 8;
            s.Task = new AgentPoolTaskSettings { AckWaitSeconds = 90, MaxDeliver = 3, TimeoutSeconds = 45 };
            s.Template = new AgentPoolPodTemplate { TerminationGracePeriodSeconds = 60 };
        }), [], Settings, "c1", AllowAll);
        var container = deployment.Spec.Template.Spec.Containers[0];
        var env = container.Env.ToDictionary(e => e.Name, e => e.Value);

        Assert.Equal("team-a", env["Worker__Namespace"]);
        Assert.Equal("general", env["Worker__Pool"]);
        Assert.Equal("8", env["Worker__Concurrency"]);
        Assert.Equal("00:01:30", env["Worker__AckWait"]);
        Assert.Equal("3", env["Worker__MaxDeliver"]);
        Assert.Equal("00:00:45", env["Worker__TaskTimeout"]);
        Assert.Equal("false", env["Worker__CreateConsumer"]);
        Assert.Equal("00:00:55", env["Worker__ShutdownGrace"]);
        Assert.Equal(60, deployment.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("metaevolve-connection", Assert.Single(container.EnvFrom).SecretRef.Name);
        Assert.Equal("example/agent-runtime:1", container.Image);
    }

    [Fact]
    public void Each_agent_with_a_model_key_gets_its_own_variable_from_its_secret_and_no_value()
    {
        var deployment = PoolDeploymentBuilder.Build(Pool(), [Agent("text-tools"), Agent("assistant", "openai")], Settings, "c1", AllowAll);
        var env = deployment.Spec.Template.Spec.Containers[0].Env;

        var key = Assert.Single(env, e => e.Name.StartsWith("METAEVOLVE_APIKEY_", StringComparison.Ordinal));
        Assert.Equal("METAEVOLVE_APIKEY_ASSISTANT", key.Name);
        Assert.Null(key.Value);
        Assert.Equal("openai", key.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("apiKey", key.ValueFrom.SecretKeyRef.Key);
        // One agent's missing Secret must not keep the pool's shared template from starting.
        Assert.True(key.ValueFrom.SecretKeyRef.Optional);
    }

    [Fact]
    public void A_model_key_in_a_secret_agents_may_not_use_never_reaches_the_workers()
    {
        var deployment = PoolDeploymentBuilder.Build(Pool(), [Agent("assistant", "openai"), Agent("thief", "metaevolve-connection")], Settings, "c1",
            secret => secret == "openai");

        var key = Assert.Single(deployment.Spec.Template.Spec.Containers[0].Env, e => e.Name.StartsWith("METAEVOLVE_APIKEY_", StringComparison.Ordinal));
        Assert.Equal("METAEVOLVE_APIKEY_ASSISTANT", key.Name);
    }

    [Fact]
    public void An_mcp_skills_headers_reach_the_workers_by_reference_only_from_secrets_agents_may_use()
    {
        var skill = new V1Alpha1Skill
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "remote-tools", NamespaceProperty = "team-a" },
            Spec = new V1Alpha1SkillSpec
            {
                Type = SkillType.Mcp,
                Mcp = new McpSkill
                {
                    Url = "http://mcp.tools:8080/mcp",
                    HeadersFrom =
                    [
                        new McpHeaderSource { Name = "Authorization", SecretKeyRef = new KeyReference { Name = "mcp-token", Key = "authorization" } },
                        new McpHeaderSource { Name = "X-Stolen", SecretKeyRef = new KeyReference { Name = "metaevolve-connection", Key = "METAEVOLVE_POSTGRES" } },
                    ],
                },
            },
        };

        var deployment = PoolDeploymentBuilder.Build(Pool(), [Agent("caller")], Settings, "c1", secret => secret == "mcp-token", [skill]);

        var env = deployment.Spec.Template.Spec.Containers[0].Env;
        var header = Assert.Single(env, e => e.Name.StartsWith(Core.Skills.Mcp.McpHeaderSecrets.Prefix, StringComparison.Ordinal));
        Assert.Equal(Core.Skills.Mcp.McpHeaderSecrets.Variable("remote-tools", "Authorization"), header.Name);
        Assert.StartsWith("METAEVOLVE_MCPHEADER_REMOTE_TOOLS_AUTHORIZATION_", header.Name, StringComparison.Ordinal);
        Assert.Null(header.Value);
        Assert.Equal(("mcp-token", "authorization", true), (header.ValueFrom.SecretKeyRef.Name, header.ValueFrom.SecretKeyRef.Key, header.ValueFrom.SecretKeyRef.Optional));
        Assert.NotEqual(Core.Skills.Mcp.McpHeaderSecrets.Variable("a-b", "c"), Core.Skills.Mcp.McpHeaderSecrets.Variable("a", "b-c"));
    }

    [Fact]
    public void Template_settings_apply_but_cannot_override_the_pool_identity()
    {
        var deployment = PoolDeploymentBuilder.Build(Pool(s => s.Template = new AgentPoolPodTemplate
        {
            Env = [new k8s.Models.V1EnvVar { Name = "Worker__Pool", Value = "other" }, new k8s.Models.V1EnvVar { Name = "EXTRA", Value = "1" }],
            NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" },
            ServiceAccountName = "workers",
            Labels = new Dictionary<string, string> { ["team"] = "a", ["metaevolve.io/pool"] = "spoof" },
            Resources = new k8s.Models.V1ResourceRequirements { Limits = new Dictionary<string, k8s.Models.ResourceQuantity> { ["memory"] = new("1Gi") } },
        }), [], Settings, "c1", AllowAll);
        var pod = deployment.Spec.Template;
        var env = pod.Spec.Containers[0].Env;

        Assert.Equal("general", Assert.Single(env, e => e.Name == "Worker__Pool").Value);
        Assert.Contains(env, e => e.Name == "EXTRA");
        Assert.Equal("ssd", pod.Spec.NodeSelector["disk"]);
        Assert.Equal("workers", pod.Spec.ServiceAccountName);
        Assert.Equal("a", pod.Metadata.Labels["team"]);
        Assert.Equal("general", pod.Metadata.Labels["metaevolve.io/pool"]);
        Assert.Equal("1Gi", pod.Spec.Containers[0].Resources.Limits["memory"].ToString());
    }

    [Theory]
    [InlineData(AutoscalingMode.None, 3, false, 3)]
    [InlineData(AutoscalingMode.None, 3, true, 0)]
    [InlineData(AutoscalingMode.Hpa, 3, false, null)]
    [InlineData(AutoscalingMode.Keda, 3, false, null)]
    public void Replicas_are_written_only_when_no_autoscaler_owns_them(AutoscalingMode mode, int replicas, bool suspend, int? expected)
    {
        var deployment = PoolDeploymentBuilder.Build(Pool(s =>
        {
            s.Replicas = replicas;
            s.Suspend = suspend;
            s.Autoscaling = new AgentPoolAutoscaling { Mode = mode };
        }), [], Settings, "c1", AllowAll);

        Assert.Equal(expected, deployment.Spec.Replicas);
    }

    [Fact]
    public void The_owner_reference_and_selector_tie_the_deployment_to_its_pool()
    {
        var deployment = PoolDeploymentBuilder.Build(Pool(), [], Settings, "c1", AllowAll);
        var owner = Assert.Single(deployment.Metadata.OwnerReferences);

        Assert.Equal(("AgentPool", "general", "uid-1", true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.Equal("general-workers", deployment.Metadata.Name);
        Assert.All(deployment.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, deployment.Spec.Template.Metadata.Labels[l.Key]));
    }

    [Fact]
    public void The_config_hash_follows_the_template_and_the_connection_settings_but_not_the_replicas()
    {
        string Hash(V1Alpha1AgentPool pool, string connection) =>
            PoolDeploymentBuilder.Build(pool, [], Settings, connection, AllowAll).Spec.Template.Metadata.Annotations[PoolNames.ConfigHashAnnotation];

        var baseline = Hash(Pool(s => s.Autoscaling = new AgentPoolAutoscaling { Mode = AutoscalingMode.None }), "c1");

        Assert.Equal(baseline, Hash(Pool(s => { s.Autoscaling = new AgentPoolAutoscaling { Mode = AutoscalingMode.None }; s.Replicas = 7; }), "c1"));
        Assert.NotEqual(baseline, Hash(Pool(s => { s.Autoscaling = new AgentPoolAutoscaling { Mode = AutoscalingMode.None }; s.Concurrency = 9; }), "c1"));
        Assert.NotEqual(baseline, Hash(Pool(s => s.Autoscaling = new AgentPoolAutoscaling { Mode = AutoscalingMode.None }), "c2"));
    }
}
