using System.Text;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// What one listener has been sent of a task's streamed answer, and what to send next: deltas are spliced by offset
/// (what the listener has is dropped, a piece past a gap waits for the recorded answer), a newer attempt or round
/// starts over with a reset, and the recorded answer tops up the rest at the end, so the text sent since the last reset always
/// equals the recorded answer. Pure; one per listener.
/// </summary>
public sealed class AnswerSplice
{
    private readonly StringBuilder _sent = new();
    private (int Attempt, int Round) _generation;

    /// <summary>The text sent since the last reset.</summary>
    public string Sent => _sent.ToString();

    /// <summary>The text so far as the running worker reported it.</summary>
    public IEnumerable<AnswerEvent> Take(AnswerSoFar soFar)
    {
        ArgumentNullException.ThrowIfNull(soFar);
        return Take(new AnswerDelta(soFar.Attempt, 0, soFar.Text) { Round = soFar.Round });
    }

    public IEnumerable<AnswerEvent> Take(AnswerDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var generation = (delta.Attempt, delta.Round);
        if (generation.CompareTo(_generation) < 0)
        {
            yield break;
        }

        if (generation.CompareTo(_generation) > 0)
        {
            _generation = generation;
            if (_sent.Length > 0)
            {
                _sent.Clear();
                yield return AnswerEvent.Reset;
            }
        }

        var end = delta.Offset + delta.Text.Length;
        if (delta.Offset > _sent.Length || end <= _sent.Length)
        {
            yield break;
        }

        var text = delta.Text[(_sent.Length - delta.Offset)..];
        var offset = _sent.Length;
        _sent.Append(text);
        yield return new AnswerEvent(offset, text);
    }

    /// <summary>The rest of the recorded answer; a reset and all of it when what was sent is not its beginning.</summary>
    public IEnumerable<AnswerEvent> Finish(string? recorded)
    {
        if (recorded is null)
        {
            yield break;
        }

        var sent = _sent.ToString();
        if (!recorded.StartsWith(sent, StringComparison.Ordinal))
        {
            _sent.Clear();
            sent = "";
            yield return AnswerEvent.Reset;
        }

        if (recorded.Length > sent.Length)
        {
            _sent.Append(recorded, sent.Length, recorded.Length - sent.Length);
            yield return new AnswerEvent(sent.Length, recorded[sent.Length..]);
        }
    }
}

/// <summary>An SSE event of the answer: a delta (<see cref="Text"/> at <see cref="Offset"/>), or a reset (null text).</summary>
public sealed record AnswerEvent(int Offset, string? Text)
{
    public static AnswerEvent Reset { get; } = new(0, null);
}
