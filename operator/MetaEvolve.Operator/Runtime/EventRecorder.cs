using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>Records core/v1 Events about an object. Best effort: a failed Event never fails a reconcile.</summary>
[RequiresPermission("", "events", "create")]
public sealed class EventRecorder(IKubernetes client, string component, ILogger<EventRecorder> logger)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";

    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> resource, string type, string reason, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var now = DateTime.UtcNow;
        var ns = resource.Metadata.NamespaceProperty ?? "default";
        var record = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = $"{resource.Metadata.Name}.{now.Ticks:x}", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = resource.ApiVersion,
                Kind = resource.Kind,
                Name = resource.Metadata.Name,
                NamespaceProperty = ns,
                Uid = resource.Metadata.Uid,
                ResourceVersion = resource.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Source = new V1EventSource { Component = component },
            ReportingComponent = component,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(record, ns, cancellationToken: cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Could not record event {Reason} for {Kind} {Namespace}/{Name}", reason, resource.Kind, ns, resource.Metadata.Name);
        }
    }

    /// <summary>
    /// One Event per condition whose status changed: Normal when it became True, Warning when False. A condition that
    /// first appears is the object's initial state, not news — unless it is already a failure; a new object that is
    /// merely still starting (or Unknown) records nothing, which saves three requests per object on a cold start.
    /// </summary>
    public async Task RecordTransitionsAsync(IKubernetesObject<V1ObjectMeta> resource, IEnumerable<V1Condition>? before, IEnumerable<V1Condition> after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(after);
        foreach (var condition in after)
        {
            if (condition.Type == MetaEvolve.Crds.ConditionTypes.Reconciling || condition.Status == Conditions.Unknown)
            {
                continue;
            }

            // Stalled and BudgetExceeded say something is wrong when True.
            var negative = condition.Type is MetaEvolve.Crds.ConditionTypes.Stalled or MetaEvolve.Crds.ConditionTypes.BudgetExceeded;
            var type = condition.Status == Conditions.True ^ negative ? Normal : Warning;
            var previous = Conditions.Find(before, condition.Type);
            var news = previous is null ? type == Warning && !StillStarting.Contains(condition.Reason) : previous.Status != condition.Status;
            if (news)
            {
                await RecordAsync(resource, type, condition.Reason, $"{condition.Type}={condition.Status}: {condition.Message}", cancellationToken);
            }
        }
    }

    private static readonly HashSet<string> StillStarting =
    [
        MetaEvolve.Crds.ConditionReasons.Progressing,
        MetaEvolve.Crds.ConditionReasons.DeploymentUnavailable,
        MetaEvolve.Crds.ConditionReasons.AutoscalerPending,
    ];
}
