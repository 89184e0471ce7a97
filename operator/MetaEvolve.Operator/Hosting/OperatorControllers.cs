using k8s;
using MetaEvolve.Core;
using MetaEvolve.Operator.Agents;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Scaling;
using MetaEvolve.Operator.Skills;

namespace MetaEvolve.Operator.Hosting;

/// <summary>
/// The operator's three controllers (and, with a region, its region loops) on a fresh <see cref="ControllerManager"/>, made each time this instance becomes
/// leader. What each controller watches is declared by its reconciler (<c>SetupWith</c>); this only makes them.
/// </summary>
public static class OperatorControllers
{
    public static ControllerManager Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<OperatorOptions>();
        var metrics = services.GetRequiredService<OperatorMetrics>();
        var settings = new ControllerOptions
        {
            Workers = options.Workers,
            Queue = options.Queue,
            ReconcileTimeout = options.ReconcileTimeout,
            ResyncPeriod = options.ResyncPeriod,
            CacheSyncTimeout = options.CacheSyncTimeout,
        };
        var manager = new ControllerManager(services.GetRequiredService<IKubernetes>(), options.Watch, settings, metrics,
            services.GetRequiredService<ILoggerFactory>());

        // Reconcilers read this manager's caches, so they are made with its state; so are the queue readings.
        var state = manager.State;
        var samples = new QueueSamples(metrics);
        var monitor = ActivatorUtilities.CreateInstance<PoolQueueMonitor>(services, state, samples);
        var autoscalers = ActivatorUtilities.CreateInstance<PoolAutoscalers>(services, state);
        var connectionSecrets = ActivatorUtilities.CreateInstance<NamespaceConnectionSecrets>(services, state);
        var statusPacer = ActivatorUtilities.CreateInstance<PoolStatusPacer>(services);
        ActivatorUtilities.CreateInstance<AgentPoolReconciler>(services, state, samples, monitor, autoscalers, connectionSecrets, statusPacer).SetupWith(manager);
        var sweep = ActivatorUtilities.CreateInstance<StoredAgentSweep>(services, state);
        ActivatorUtilities.CreateInstance<AgentReconciler>(services, state, sweep).SetupWith(manager);
        var mcpProbe = ActivatorUtilities.CreateInstance<McpSkillProbe>(services, state);
        ActivatorUtilities.CreateInstance<SkillReconciler>(services, state, mcpProbe).SetupWith(manager);

        // Regions: the leader announces its pools' health and moves the queued tasks of pools that failed over.
        if (services.GetRequiredService<NatsNames>().Region is not null)
        {
            manager.AddRunnable(ActivatorUtilities.CreateInstance<RegionStreamsUpkeep>(services).RunAsync);
            var publisher = ActivatorUtilities.CreateInstance<RegionHealthPublisher>(services, state, samples);
            manager.AddRunnable(publisher.RunAsync);
            manager.AddRunnable(ActivatorUtilities.CreateInstance<QueuedTaskForwarder>(services).RunAsync);
        }

        return manager;
    }
}
