using System.Text.Json;

namespace MetaEvolve.Core.Tasks;

/// <summary>Reads and writes <see cref="TaskEnvelope"/> as UTF-8 JSON, and says precisely why a message is not a valid task.</summary>
public static class TaskEnvelopeCodec
{
    public static byte[] Encode(TaskEnvelope envelope) =>
        JsonSerializer.SerializeToUtf8Bytes(envelope, TaskJsonContext.Default.TaskEnvelope);

    public static string EncodeInput(TaskInput input) =>
        JsonSerializer.Serialize(input, TaskJsonContext.Default.TaskInput);

    /// <summary>Parses and validates; throws <see cref="InvalidTaskException"/> whose message is the reason recorded on the task.</summary>
    public static TaskEnvelope Decode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            throw new InvalidTaskException("empty message body");
        }
        TaskEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(utf8, TaskJsonContext.Default.TaskEnvelope);
        }
        catch (JsonException ex)
        {
            throw new InvalidTaskException($"not a task envelope: {ex.Message}", ex);
        }
        if (envelope is null)
        {
            throw new InvalidTaskException("not a task envelope: the body is JSON null");
        }
        Validate(envelope);
        return envelope;
    }

    /// <summary>Checks everything a worker relies on; the publisher runs the same checks so bad input fails at the source.</summary>
    public static void Validate(TaskEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Version != TaskEnvelope.CurrentVersion)
        {
            throw new InvalidTaskException($"unsupported envelope version {envelope.Version} (this worker reads version {TaskEnvelope.CurrentVersion})");
        }
        if (envelope.Id == Guid.Empty)
        {
            throw new InvalidTaskException("id is missing");
        }
        if (!TaskIds.IsVersion7(envelope.Id))
        {
            throw new InvalidTaskException($"id {envelope.Id} is not a UUIDv7");
        }
        RequireName("namespace", envelope.Namespace);
        RequireName("pool", envelope.Pool);
        RequireName("agent", envelope.Agent);
        var input = envelope.Input;
        if (input is null || (input.Message is null) == (input.Call is null))
        {
            throw new InvalidTaskException("input must have exactly one of 'message' or 'call'");
        }
        if (input.Call is { } call)
        {
            if (string.IsNullOrWhiteSpace(call.Skill) || string.IsNullOrWhiteSpace(call.Function))
            {
                throw new InvalidTaskException("input.call needs 'skill' and 'function'");
            }
            if (call.Arguments is { } args && args.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined))
            {
                throw new InvalidTaskException($"input.call.arguments must be a JSON object, not {args.ValueKind}");
            }
            if (call.Arguments is { ValueKind: JsonValueKind.Object } arguments && NulCharacter.InJson(arguments.GetRawText()))
            {
                throw new InvalidTaskException($"input.call.arguments contains {NulCharacter.Description}");
            }
        }
        RejectNul("input.message", input.Message);
        RejectNul("threadId", envelope.ThreadId);
        RejectNul("idempotencyKey", envelope.IdempotencyKey);
    }

    private static void RejectNul(string field, string? value)
    {
        if (NulCharacter.In(value))
        {
            throw new InvalidTaskException($"{field} contains {NulCharacter.Description}");
        }
    }

    // Names become NATS subject tokens: DNS-1123 labels of at most 50 characters (see DESIGN.md).
    private static void RequireName(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidTaskException($"{field} is missing");
        }
        if (!IsDnsLabel(value))
        {
            throw new InvalidTaskException($"{field} '{value}' is not a DNS-1123 label of at most 50 characters");
        }
    }

    public static bool IsDnsLabel(string value)
    {
        if (value.Length is 0 or > 50 || value[0] == '-' || value[^1] == '-')
        {
            return false;
        }
        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }
        return true;
    }
}
