using System.Text.Json;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Body of <c>metaevolve.stream.&lt;taskId&gt;</c>: a piece of a chat task's streamed answer and where it starts in
/// that answer (UTF-16 code units, as .NET and JavaScript strings count). A listener splices by offset, so pieces it
/// already has are dropped and none is missing. <see cref="Attempt"/> is the task's delivery: a retried task streams
/// its answer again from offset 0 under the next attempt. <see cref="Round"/> counts the times the answer started over
/// within the attempt: text the model wrote before it called tools is not the answer, so the text after the calls
/// starts again from offset 0 under the next round.
/// </summary>
public sealed record AnswerDelta(int Attempt, int Offset, string Text)
{
    public int Round { get; init; }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, TaskJsonContext.Default.AnswerDelta);

    /// <summary>The delta, or null for a body that is not one.</summary>
    public static AnswerDelta? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, TaskJsonContext.Default.AnswerDelta) is { Text: not null, Offset: >= 0 } delta ? delta : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// The reply on <c>metaevolve.stream.&lt;taskId&gt;.sofar</c>: the whole answer streamed so far by the worker running the
/// task (attempt <see cref="Attempt"/>, round <see cref="Round"/>), and its <see cref="Length"/> in UTF-16 code units;
/// deltas from that offset on follow.
/// </summary>
public sealed record AnswerSoFar(int Attempt, int Length, string Text)
{
    public int Round { get; init; }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, TaskJsonContext.Default.AnswerSoFar);

    public static AnswerSoFar? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, TaskJsonContext.Default.AnswerSoFar) is { Text: not null } soFar && soFar.Length == soFar.Text.Length ? soFar : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
