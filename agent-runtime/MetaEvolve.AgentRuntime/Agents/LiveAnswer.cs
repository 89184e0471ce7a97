using System.Text;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// One chat task's answer as it streams. <see cref="Append"/> only adds to the text (the task never waits on NATS);
/// a flush loop publishes what is new as one <see cref="AnswerDelta"/> per coalescing window, in order, and a responder
/// answers requests for the text so far with an <see cref="AnswerSoFar"/>. Both read the same text under one lock, so
/// a listener that subscribes to the deltas before it asks for the text so far can splice them without a gap.
/// Dispose publishes the rest and unsubscribes the responder (later requests get "no responders").
/// </summary>
public sealed class LiveAnswer : IAsyncDisposable
{
    private readonly INatsConnection _nats;
    private readonly string _subject;
    private readonly INatsSub<byte[]> _soFar;
    private readonly int _attempt;
    private readonly TimeSpan _coalesce;
    private readonly ILogger _logger;
    private readonly StringBuilder _text = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _responder;
    private int _published;
    private int _round;
    private Task? _flushing;

    internal LiveAnswer(INatsConnection nats, string subject, INatsSub<byte[]> soFar, int attempt, TimeSpan coalesce, ILogger logger)
    {
        _nats = nats;
        _subject = subject;
        _soFar = soFar;
        _attempt = attempt;
        _coalesce = coalesce;
        _logger = logger;
        _responder = Task.Run(AnswerRequestsAsync);
    }

    /// <summary>The whole answer streamed so far.</summary>
    public string Text
    {
        get
        {
            lock (_gate)
            {
                return _text.ToString();
            }
        }
    }

    public void Append(string piece)
    {
        if (string.IsNullOrEmpty(piece))
        {
            return;
        }

        lock (_gate)
        {
            _text.Append(piece);
            _flushing ??= Task.Run(FlushAsync);
        }
    }

    /// <summary>
    /// The text so far was not the answer (the model went on to call tools): the answer starts again, empty, under the
    /// next round, which tells listeners to discard what they have. Text not yet published is dropped with it.
    /// </summary>
    public void StartOver()
    {
        lock (_gate)
        {
            if (_text.Length == 0)
            {
                return;
            }

            _text.Clear();
            _published = 0;
            _round++;
        }
    }

    /// <summary>Publishes new text until none is left; pieces appended meanwhile go out with the next publish.</summary>
    private async Task FlushAsync()
    {
        while (true)
        {
            if (_coalesce > TimeSpan.Zero)
            {
                await Task.WhenAny(Task.Delay(_coalesce), _ended.Task);
            }

            AnswerDelta delta;
            lock (_gate)
            {
                if (_published == _text.Length)
                {
                    _flushing = null;
                    return;
                }

                delta = new AnswerDelta(_attempt, _published, _text.ToString(_published, _text.Length - _published)) { Round = _round };
                _published = _text.Length;
            }

            try
            {
                await _nats.PublishAsync(_subject, delta.ToJson());
            }
            catch (Exception exception) when (exception is NatsException or ObjectDisposedException)
            {
                // Listeners get the text so far, or the recorded answer, instead.
                _logger.LogDebug(exception, "Answer delta on {Subject} not published", _subject);
            }
        }
    }

    private async Task AnswerRequestsAsync()
    {
        try
        {
            await foreach (var request in _soFar.Msgs.ReadAllAsync())
            {
                AnswerSoFar soFar;
                lock (_gate)
                {
                    soFar = new AnswerSoFar(_attempt, _text.Length, _text.ToString()) { Round = _round };
                }

                await request.ReplyAsync(soFar.ToJson());
            }
        }
        catch (Exception exception) when (exception is NatsException or ObjectDisposedException or OperationCanceledException)
        {
            _logger.LogDebug(exception, "Text-so-far responder of {Subject} ended", _subject);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _ended.TrySetResult();
        Task? flushing;
        lock (_gate)
        {
            flushing = _flushing;
        }

        try
        {
            // Bounded: while NATS is away a publish waits for the connection, and the task must not.
            if (flushing is not null)
            {
                await flushing.WaitAsync(DisposeWait);
            }

            await _soFar.DisposeAsync().AsTask().WaitAsync(DisposeWait);
            await _responder.WaitAsync(DisposeWait);
        }
        catch (TimeoutException)
        {
            _logger.LogDebug("Answer relay of {Subject} did not finish within {Wait}; left to finish on its own", _subject, DisposeWait);
        }
    }

    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(1);
}
