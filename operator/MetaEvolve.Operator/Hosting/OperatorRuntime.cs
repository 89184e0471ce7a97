using k8s;
using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Agents;
using MetaEvolve.Operator.Keda;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Scaling;
using MetaEvolve.Operator.Skills;

namespace MetaEvolve.Operator.Hosting;

/// <summary>
/// One leadership term of the operator: the watches that fill the caches, the mappings from each watched kind to
/// the keys it affects (a child's change requeues its owner, a Secret requeues the agents naming it), and the
/// three controllers. Created fresh for every term, so a new leader starts from a full list.
/// </summary>
[RequiresPermission(ApiGroup.Group, V1Alpha1AgentPool.KubePlural, "get,list,watch")]
[RequiresPermission(ApiGroup.Group, V1Alpha1Agent.KubePlural, "get,list,watch")]
[RequiresPermission(ApiGroup.Group, V1Alpha1Skill.KubePlural, "get,list,watch")]
[RequiresPermission("apps", "deployments", "get,list,watch")]
[RequiresPermission("", "secrets", "get,list,watch")]
[RequiresPermission("", "configmaps", "get,list,watch")]
[RequiresPermission("autoscaling", "horizontalpodautoscalers", "get,list,watch")]
[RequiresPermission(KedaScaledObject.Group, KedaScaledObject.Plural, "get,list,watch")]
public sealed class OperatorRuntime : IDisposable
{
    private readonly List<Func<CancellationToken, Task>> _loops = [];
    private readonly Dictionary<ObjectKey, string> _poolOfAgent = [];
    private readonly Lock _poolOfAgentGate = new();

    public OperatorRuntime(IServiceProvider services, IKubernetes client, OperatorOptions options, OperatorMetrics metrics, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = new ControllerSettings { Workers = options.Workers, Queue = options.Queue, ReconcileTimeout = options.ReconcileTimeout };
        State = new ClusterState();
        // Reconcilers read this term's caches, so they are made with it; so are the queue readings.
        var samples = new QueueSamples(metrics);
        QueueMonitor = ActivatorUtilities.CreateInstance<PoolQueueMonitor>(services, State, samples);
        var autoscalers = ActivatorUtilities.CreateInstance<PoolAutoscalers>(services, State);
        var pools = ActivatorUtilities.CreateInstance<AgentPoolReconciler>(services, State, samples, QueueMonitor, autoscalers);
        var agents = ActivatorUtilities.CreateInstance<AgentReconciler>(services, State);
        var skills = ActivatorUtilities.CreateInstance<SkillReconciler>(services, State);
        Pools = new Controller<V1Alpha1AgentPool>(V1Alpha1AgentPool.KubeKind, State.Pools, pools, settings, metrics, loggers.CreateLogger("Controller.AgentPool"));
        Agents = new Controller<V1Alpha1Agent>(V1Alpha1Agent.KubeKind, State.Agents, agents, settings, metrics, loggers.CreateLogger("Controller.Agent"));
        Skills = new Controller<V1Alpha1Skill>(V1Alpha1Skill.KubeKind, State.Skills, skills, settings, metrics, loggers.CreateLogger("Controller.Skill"));

        var watchLogger = loggers.CreateLogger<OperatorRuntime>();
        var poolWatch = Watch(new ApiWatchSource<V1Alpha1AgentPool>(client, ApiGroup.Group, ApiGroup.Version, V1Alpha1AgentPool.KubePlural), State.Pools, options, metrics, watchLogger);
        var agentWatch = Watch(new ApiWatchSource<V1Alpha1Agent>(client, ApiGroup.Group, ApiGroup.Version, V1Alpha1Agent.KubePlural), State.Agents, options, metrics, watchLogger);
        var skillWatch = Watch(new ApiWatchSource<V1Alpha1Skill>(client, ApiGroup.Group, ApiGroup.Version, V1Alpha1Skill.KubePlural), State.Skills, options, metrics, watchLogger);
        var deploymentWatch = Watch(new ApiWatchSource<V1Deployment>(client, "apps", "v1", "deployments", $"{PoolNames.ManagedByLabel}={PoolNames.ManagedBy}"), State.Deployments, options, metrics, watchLogger);
        var secretWatch = Watch(new SecretWatchSource(client), State.Secrets, options, metrics, watchLogger);
        var configMapWatch = Watch(new ConfigMapWatchSource(client), State.ConfigMaps, options, metrics, watchLogger);
        var hpaWatch = Watch(new ApiWatchSource<V2HorizontalPodAutoscaler>(client, "autoscaling", "v2", "horizontalpodautoscalers", $"{PoolNames.ManagedByLabel}={PoolNames.ManagedBy}"), State.Autoscalers, options, metrics, watchLogger);
        var scaledObjectWatch = Watch(new OptionalApiWatchSource<KedaScaledObject>(
            new ApiWatchSource<KedaScaledObject>(client, KedaScaledObject.Group, KedaScaledObject.Version, KedaScaledObject.Plural, $"{PoolNames.ManagedByLabel}={PoolNames.ManagedBy}"),
            TimeSpan.FromMinutes(1), TimeProvider.System), State.ScaledObjects, options, metrics, watchLogger);
        QueueMonitor.OnChange(Pools.Enqueue);
        _loops.Add(QueueMonitor.RunAsync);

        poolWatch.Subscribe((_, pool) =>
        {
            var key = ObjectKey.Of(pool);
            Pools.Enqueue(key);
            // Agents naming a pool that (dis)appeared change between PoolNotFound and Ready.
            foreach (var agent in State.AgentsOfPool(key))
            {
                Agents.Enqueue(ObjectKey.Of(agent));
            }
        });
        agentWatch.Subscribe((type, agent) =>
        {
            var key = ObjectKey.Of(agent);
            Agents.Enqueue(key);
            // The pool's Deployment carries the agents' API keys and its status lists them; an agent that moved
            // pools changes both the old and the new one.
            foreach (var pool in PoolsOf(type, key, agent))
            {
                Pools.Enqueue(new ObjectKey(key.Namespace, pool));
            }

            foreach (var reference in agent.Spec.Skills ?? [])
            {
                var skillKey = new ObjectKey(key.Namespace, reference.Name);
                if (State.Skills.Get(skillKey) is { } skill && Finalizers.IsDeleting(skill))
                {
                    Skills.Enqueue(skillKey);
                }
            }
        });
        skillWatch.Subscribe((_, skill) =>
        {
            var key = ObjectKey.Of(skill);
            Skills.Enqueue(key);
            foreach (var agent in State.AgentsUsingSkill(key))
            {
                Agents.Enqueue(ObjectKey.Of(agent));
            }
        });
        deploymentWatch.Subscribe((_, deployment) => EnqueueOwnerPool(deployment.Metadata));
        hpaWatch.Subscribe((_, hpa) => EnqueueOwnerPool(hpa.Metadata));
        scaledObjectWatch.Subscribe((_, scaledObject) => EnqueueOwnerPool(scaledObject.Metadata));
        secretWatch.Subscribe((_, secret) =>
        {
            EnqueueOwnerPool(secret.Metadata);
            foreach (var agent in State.AgentsReferencing(secret.Metadata.NamespaceProperty, secret.Metadata.Name, secret: true))
            {
                Agents.Enqueue(ObjectKey.Of(agent));
            }
        });
        configMapWatch.Subscribe((_, configMap) =>
        {
            foreach (var agent in State.AgentsReferencing(configMap.Metadata.NamespaceProperty, configMap.Metadata.Name, secret: false))
            {
                Agents.Enqueue(ObjectKey.Of(agent));
            }
        });
    }

    public ClusterState State { get; }
    public PoolQueueMonitor QueueMonitor { get; }
    public Controller<V1Alpha1AgentPool> Pools { get; }
    public Controller<V1Alpha1Agent> Agents { get; }
    public Controller<V1Alpha1Skill> Skills { get; }

    /// <summary>Runs every watch and controller until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_loops.Select(loop => Task.Run(() => loop(cancellationToken), CancellationToken.None))
            .Append(Pools.RunAsync(cancellationToken))
            .Append(Agents.RunAsync(cancellationToken))
            .Append(Skills.RunAsync(cancellationToken)));

    private ResourceWatcher<T> Watch<T>(IWatchSource<T> source, ObjectCache<T> cache, OperatorOptions options, OperatorMetrics metrics, ILogger logger)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var watcher = new ResourceWatcher<T>(source, cache, options.Watch, metrics, logger);
        _loops.Add(watcher.RunAsync);
        return watcher;
    }

    private void EnqueueOwnerPool(V1ObjectMeta metadata)
    {
        var owner = metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == V1Alpha1AgentPool.KubeKind && o.ApiVersion.StartsWith(ApiGroup.Group + "/", StringComparison.Ordinal));
        if (owner is not null)
        {
            Pools.Enqueue(new ObjectKey(metadata.NamespaceProperty, owner.Name));
        }
    }

    private List<string> PoolsOf(WatchEventType type, ObjectKey agent, V1Alpha1Agent current)
    {
        var pools = new List<string>();
        lock (_poolOfAgentGate)
        {
            if (_poolOfAgent.TryGetValue(agent, out var previous))
            {
                pools.Add(previous);
            }

            if (type == WatchEventType.Deleted)
            {
                _poolOfAgent.Remove(agent);
            }
            else if (current.Spec.PoolRef?.Name is { Length: > 0 } pool)
            {
                _poolOfAgent[agent] = pool;
                if (pool != previous)
                {
                    pools.Add(pool);
                }
            }
        }

        return pools;
    }

    public void Dispose()
    {
        QueueMonitor.Dispose();
        Pools.Dispose();
        Agents.Dispose();
        Skills.Dispose();
    }
}
