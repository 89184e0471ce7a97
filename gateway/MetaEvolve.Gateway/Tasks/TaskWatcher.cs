using System.Diagnostics;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// Waits for a task to end, woken by the worker's notice on <see cref="NatsNames.Result"/> rather than by
/// polling the store. The subscription is confirmed by the server (a PING round trip) before the row is read,
/// so a task that ends between the read and the wait still wakes the waiter.
/// </summary>
public sealed class TaskWatcher(INatsConnection nats, NatsNames names, TaskRepository tasks)
{
    /// <summary>Opens a watch on one task; dispose it to unsubscribe.</summary>
    public async Task<Watch> WatchAsync(Guid id, CancellationToken cancellationToken)
    {
        var subscription = await nats.SubscribeCoreAsync<byte[]>(names.Result(id), cancellationToken: cancellationToken);
        try
        {
            await nats.PingAsync(cancellationToken);
        }
        catch
        {
            await subscription.DisposeAsync();
            throw;
        }
        return new Watch(subscription, tasks, id);
    }

    /// <summary>
    /// Opens a watch on a task whose message is not published yet, with no confirmation round trip: the
    /// subscription goes to the server ahead of the publish on this same connection, so it is in place before the task
    /// can run. Only for the submitter, which publishes after this returns.
    /// </summary>
    public async Task<Watch> WatchUnpublishedAsync(Guid id, CancellationToken cancellationToken) =>
        new(await nats.SubscribeCoreAsync<byte[]>(names.Result(id), cancellationToken: cancellationToken), tasks, id);

    /// <summary>
    /// The row now, or when it ends or waits for approval (or <paramref name="wait"/> passes), whichever the caller asked for:
    /// a parked task waits for a person, not for the caller.
    /// </summary>
    public async Task<TaskRecord?> GetAsync(Guid id, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait <= TimeSpan.Zero)
        {
            return await tasks.GetAsync(id, cancellationToken);
        }
        await using var watch = await WatchAsync(id, cancellationToken);
        var record = await tasks.GetAsync(id, cancellationToken);
        if (record is null || TaskStates.IsFinal(record.Status) || record.Status == TaskStates.AwaitingApproval)
        {
            return record;
        }
        return await watch.SettledAsync(wait, cancellationToken) ?? record;
    }

    public sealed class Watch(INatsSub<byte[]> subscription, TaskRepository tasks, Guid id) : IAsyncDisposable
    {
        /// <summary>Waits up to <paramref name="wait"/> for a notice and returns the row read after it; null on timeout.</summary>
        public async Task<TaskRecord?> NextAsync(TimeSpan wait, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                await subscription.Msgs.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            return await tasks.GetAsync(id, cancellationToken);
        }

        /// <summary>
        /// Waits up to <paramref name="wait"/> for the row to end or wait for approval, and returns it; on timeout the
        /// last row a notice led to (null when none came). A notice can come before the row it announces is final here:
        /// a task that ran in another region announces its result there, and that notice crosses to this region ahead
        /// of the result itself (recorded here when it comes home, which announces it again). So a notice only says
        /// "read again", and the wait goes on until the row says the task ended.
        /// </summary>
        public async Task<TaskRecord?> SettledAsync(TimeSpan wait, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            TaskRecord? latest = null;
            while (Stopwatch.GetElapsedTime(started) is var elapsed && elapsed < wait)
            {
                if (await NextAsync(wait - elapsed, cancellationToken) is not { } record)
                {
                    break;
                }
                latest = record;
                if (TaskStates.IsFinal(record.Status) || record.Status == TaskStates.AwaitingApproval)
                {
                    break;
                }
            }
            return latest;
        }

        public ValueTask DisposeAsync() => subscription.DisposeAsync();
    }
}
