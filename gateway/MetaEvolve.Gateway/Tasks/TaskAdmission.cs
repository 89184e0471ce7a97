using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Auth;
using MetaEvolve.Gateway.Operability;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// What every way of submitting a task checks before its row is written — the gateway has started, the thread is the
/// caller's, the namespace's queue has room — and then the submission. The task endpoint and the MCP server each turn a
/// refusal into their own answer (an HTTP problem, an MCP tool error); the checks and their wording stay one.
/// </summary>
public sealed class TaskAdmission(GatewayReadiness readiness, ThreadOwners threads, NamespaceQueueLimit queueLimit, TaskSubmitter submitter, GatewayOptions options)
{
    public async Task<Admission> SubmitAsync(
        ApiKeyIdentity caller, string ns, string agent, TaskInput input, string? threadId, DateTimeOffset? deadline, string? idempotencyKey, bool watch,
        CancellationToken cancellationToken)
    {
        if (!readiness.Started)
        {
            return new Admission(null, AdmissionRefusal.Starting, "the gateway is still starting (store migrations, task stream)");
        }

        if (threadId is not null && !caller.Owns(await threads.ClaimAsync(ns, threadId, caller.Name, cancellationToken)))
        {
            return new Admission(null, AdmissionRefusal.ThreadOfAnotherKey, $"thread '{threadId}' belongs to another API key");
        }

        if (!await queueLimit.TryAdmitAsync(ns, cancellationToken))
        {
            return new Admission(null, AdmissionRefusal.NamespaceQueueFull,
                $"namespace '{ns}' has {options.MaxQueuedPerNamespace} tasks queued, its limit; nothing was accepted");
        }

        var submitted = await submitter.SubmitAsync(ns, agent, input, threadId, deadline, idempotencyKey, caller.Name, watch, cancellationToken);
        return new Admission(submitted, AdmissionRefusal.None, null);
    }
}

/// <summary>A submission's outcome: the task submitted, or why it was refused (nothing written then).</summary>
public readonly record struct Admission(SubmitResult? Submitted, AdmissionRefusal Refusal, string? Reason);

public enum AdmissionRefusal
{
    None,
    Starting,
    ThreadOfAnotherKey,
    NamespaceQueueFull,
}
