using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

public sealed class V1Alpha1AgentPoolSpec
{
    [MaxLength(512)]
    [Description("Container image of the agent-runtime workers. Defaults to the image the operator is configured with.")]
    public string? Image { get; set; }

    [Range(0, 1000), SchemaDefault(AgentPoolDefaults.Replicas)]
    [Description("Number of worker replicas when autoscaling.mode is None; `kubectl scale agentpool` sets it through the scale subresource.")]
    public int? Replicas { get; set; }

    [Range(1, 256), SchemaDefault(AgentPoolDefaults.Concurrency)]
    [Description("Tasks each replica runs at the same time.")]
    public int? Concurrency { get; set; }

    [SchemaDefault("{}")]
    [Description("How the number of workers follows the queue depth.")]
    public AgentPoolAutoscaling? Autoscaling { get; set; }

    [SchemaDefault("{}")]
    [Description("Delivery settings of the pool's JetStream consumer.")]
    public AgentPoolTaskSettings? Task { get; set; }

    [Description("Pod settings applied to every worker: resources, environment, scheduling and metadata.")]
    public AgentPoolPodTemplate? Template { get; set; }

    [SchemaDefault(AgentPoolDefaults.Suspend)]
    [Description("Stops the pool: workers scale to zero and queued tasks wait until it resumes.")]
    public bool? Suspend { get; set; }

    [Description("Regions that take this pool's tasks when it has had no ready worker for failoverAfterSeconds (its queued tasks move there too) or its lag passes spillOverLag. Needs the operator's METAEVOLVE_REGION.")]
    public AgentPoolFederation? Federation { get; set; }
}
