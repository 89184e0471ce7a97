using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

public sealed class AgentPoolTaskSettings
{
    [Range(1, 3_600), SchemaDefault(AgentPoolDefaults.AckWaitSeconds)]
    [Description("Seconds JetStream waits for an acknowledgement before redelivering; workers send progress heartbeats for longer tasks.")]
    public int? AckWaitSeconds { get; set; }

    [Range(1, 100), SchemaDefault(AgentPoolDefaults.MaxDeliver)]
    [Description("Deliveries of one task before it is dead-lettered as failed with its last error.")]
    public int? MaxDeliver { get; set; }

    [Range(1, 86_400), SchemaDefault(AgentPoolDefaults.TimeoutSeconds)]
    [Description("Seconds one task may run before it is cancelled and recorded as failed.")]
    public int? TimeoutSeconds { get; set; }
}
