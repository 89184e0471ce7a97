using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using MetaEvolve.Core;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Tenancy;
using MetaEvolve.Testing;
using NATS.Client.JetStream;
using Npgsql;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// One Agent whose key Secret is missing must not break its pool: the shared pod template refers to the agents' keys
/// optionally and leaves out a Secret that is not there, so the workers start (the dev runner fails a container with a missing required reference, as a
/// kubelet does) and the good agent's tasks run, while the broken agent says what is missing.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class BrokenAgentInPoolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pool_with_one_good_and_one_broken_agent_starts_its_workers_and_runs_the_good_agents_task()
    {
        await using var cluster = await OperatorCluster.StartAsync(runWorkers: true);
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: good-credentials
              labels: {metaevolve.io/agent-secret: "true"}
            stringData:
              apiKey: sk-good
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: mixed
            spec:
              autoscaling: {mode: None}
              replicas: 1
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: good
            spec:
              poolRef: {name: mixed}
              model: {provider: OpenAICompatible, model: m, endpoint: "http://127.0.0.1:9/v1", apiKeySecretRef: {name: good-credentials, key: apiKey}}
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: broken
            spec:
              poolRef: {name: mixed}
              model: {provider: OpenAI, model: gpt-4o-mini, apiKeySecretRef: {name: missing-credentials, key: apiKey}}
            """);

        await OperatorCluster.EventuallyAsync(async () => (await cluster.AgentAsync("broken")).Status?.Conditions.Condition("Ready", out _, out _) == "False",
            "the broken agent reports Ready False");
        (await cluster.AgentAsync("broken")).Status.Conditions.Condition("Ready", out var reason, out var message);
        Assert.Equal(ConditionReasons.SecretNotFound, reason);
        Assert.Contains("missing-credentials", message!, StringComparison.Ordinal);
        Assert.Contains("apiKeySecretRef", message!, StringComparison.Ordinal);

        var client = cluster.Client("test");
        // A Secret that does not exist cannot show it may be used (AgentSecretPolicy): only the good agent's key is carried,
        // and the broken agent's joins when its labelled Secret appears (the pool follows the Secrets its agents name).
        await OperatorCluster.EventuallyAsync(async () =>
            (await client.AppsV1.ReadNamespacedDeploymentAsync("mixed-workers", cluster.Namespace, cancellationToken: Ct)).Spec.Template.Spec.Containers[0].Env
                .Any(e => e.Name == AgentSecrets.ApiKeyVariable("good")),
            "the template carries the good agent's key");
        Assert.DoesNotContain((await client.AppsV1.ReadNamespacedDeploymentAsync("mixed-workers", cluster.Namespace, cancellationToken: Ct)).Spec.Template.Spec.Containers[0].Env,
            e => e.Name == AgentSecrets.ApiKeyVariable("broken"));
        await OperatorCluster.EventuallyAsync(async () =>
            (await client.AppsV1.ReadNamespacedDeploymentAsync("mixed-workers", cluster.Namespace, cancellationToken: Ct)).Status?.AvailableReplicas >= 1,
            "a worker starts although one agent's Secret is missing", seconds: 90);
        await OperatorCluster.EventuallyAsync(async () => (await cluster.PoolAsync("mixed")).Status?.Conditions.Condition("Ready", out _, out _) == "True",
            "the pool is Ready");

        await using var store = NpgsqlDataSource.Create(cluster.Connections.Postgres);
        var tasks = new TaskRepository(store, cluster.Schema);
        await using var nats = NatsConnectionFactory.Create(cluster.Connections, "operator tests");
        var envelope = new TaskEnvelope
        {
            Id = TaskIds.NewId(),
            Namespace = cluster.Namespace,
            Pool = "mixed",
            Agent = "good",
            Input = TaskInput.Direct("system", "sleep", JsonSerializer.SerializeToElement(new JsonObject { ["ms"] = 10 })),
        };
        await tasks.EnqueueAsync(envelope, Ct);
        await new TaskPublisher(new NatsJSContext(nats), cluster.Names).PublishAsync(envelope, cancellationToken: Ct);
        // The worker's pod is up, but its process may still be starting: on a busy machine that takes up to ServiceStartup.Limit.
        await OperatorCluster.EventuallyAsync(async () => (await tasks.GetAsync(envelope.Id, Ct))?.Status == TaskStates.Succeeded,
            "the good agent's task ran", seconds: (int)ServiceStartup.Limit.TotalSeconds + 30);
        // ...as the namespace's own store role (the connection Secret carries no operator credential).
        var role = NamespaceStoreRoles.RoleName(cluster.Schema, cluster.Namespace);
        await using var sessions = store.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE usename = $1");
        sessions.Parameters.Add(new NpgsqlParameter<string> { TypedValue = role });
        Assert.True((long)(await sessions.ExecuteScalarAsync(Ct))! > 0, "the worker is not connected as the namespace's role");
        var secret = await client.CoreV1.ReadNamespacedSecretAsync("metaevolve-connection", cluster.Namespace, cancellationToken: Ct);
        var login = new NpgsqlConnectionStringBuilder(System.Text.Encoding.UTF8.GetString(secret.Data[ConnectionOptions.PostgresVariable]));
        Assert.Equal(role, login.Username);
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(cluster.Connections.Postgres).Password, login.Password);
    }
}
