using System.Threading.Channels;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Drains a stage's queue into store round trips, each taking whatever has arrived (up to <c>maxBatch</c>), with up
/// to <c>maxInFlight</c> round trips under way at once. With one at a time, a task arriving just after a batch left
/// waited for that batch's round trip before its own could start: at low load most of a stage's time was that wait.
/// Under load the round trips stay few and batches large, since a new one starts only when one of them returned.
/// </summary>
internal static class BatchLoop
{
    /// <summary>Round trips a stage keeps under way at once: enough that a task rarely waits for another's, few
    /// enough that a busy worker still groups its writes (and holds at most this many store connections per stage).</summary>
    public const int MaxInFlight = 4;

    public static async Task RunAsync<T>(ChannelReader<T> reader, int maxBatch, Func<List<T>, Task> process, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(MaxInFlight, MaxInFlight);
        var running = new List<Task>();
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                await slots.WaitAsync(cancellationToken);
                var batch = new List<T>(Math.Min(maxBatch, 64));
                while (batch.Count < maxBatch && reader.TryRead(out var item))
                {
                    batch.Add(item);
                }
                if (batch.Count == 0)
                {
                    slots.Release();
                    continue;
                }
                running.RemoveAll(t => t.IsCompleted && t.Status == TaskStatus.RanToCompletion);
                running.Add(RunOneAsync(batch));
            }
        }
        finally
        {
            // Every batch started ends (and reports its failure) before the stage does.
            await Task.WhenAll(running);
        }

        async Task RunOneAsync(List<T> batch)
        {
            try
            {
                await process(batch);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
