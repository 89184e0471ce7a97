using System.Diagnostics;
using MetaEvolve.Core.Tasks;
using NATS.Client.JetStream;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>A delivered message from receipt to ack: heartbeats, cancellation and shutdown find it through the registry.</summary>
internal sealed class InFlightTask(INatsJSMsg<byte[]> message)
{
    public INatsJSMsg<byte[]> Message { get; } = message;
    public ulong StreamSequence { get; } = message.Metadata?.Sequence.Stream ?? 0;
    public int Delivery { get; } = (int)Math.Min(message.Metadata?.NumDelivered ?? 1, int.MaxValue);
    public long ReceivedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>When its settlement was handed to the completion stage (the record stage's start).</summary>
    public long HandedOverAt { get; set; }
    public TaskEnvelope? Envelope { get; set; }

    /// <summary>The attempt this delivery claimed (the row's attempts after the claim); 0 until claimed. Fences its writes.</summary>
    public int Attempt { get; set; }
    public Guid TaskId => Envelope?.Id ?? Guid.Empty;

    /// <summary>Set when a cancel notice or the store flag arrives; distinguishes a user's cancel from deadline and shutdown.</summary>
    public volatile bool CancelRequested;

    private CancellationTokenSource? _cancellation;

    /// <summary>The running task's token source, created when execution starts.</summary>
    public CancellationTokenSource StartExecution(CancellationToken shutdown)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        Volatile.Write(ref _cancellation, cts);
        if (CancelRequested)
        {
            cts.Cancel();
        }
        return cts;
    }

    public void RequestCancel()
    {
        CancelRequested = true;
        try
        {
            Volatile.Read(ref _cancellation)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished between the lookup and the cancel: nothing left to stop.
        }
    }

    public void EndExecution()
    {
        var cts = Interlocked.Exchange(ref _cancellation, null);
        cts?.Dispose();
    }
}
