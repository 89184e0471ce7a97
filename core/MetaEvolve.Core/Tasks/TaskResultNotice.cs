using System.Text.Json;
using NATS.Client.Core;

namespace MetaEvolve.Core.Tasks;

/// <summary>Body of <c>metaevolve.results.&lt;id&gt;</c>: enough to wake a waiter, which then reads the row.</summary>
public sealed record TaskResultNotice(Guid Id, string Status, string? Error)
{
    /// <summary>Publishes the notice on its task's result subject (core NATS: a waiter that misses it reads the row).</summary>
    public ValueTask PublishAsync(INatsConnection nats, NatsNames names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nats);
        ArgumentNullException.ThrowIfNull(names);
        return nats.PublishAsync(names.Result(Id), JsonSerializer.SerializeToUtf8Bytes(this, TaskJsonContext.Default.TaskResultNotice), cancellationToken: cancellationToken);
    }
}
