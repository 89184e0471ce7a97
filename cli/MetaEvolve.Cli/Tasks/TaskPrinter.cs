using System.Text.Json;

namespace MetaEvolve.Cli.Tasks;

/// <summary>How task commands print: the gateway's JSON as-is with <c>-o json</c>, otherwise lines for people.</summary>
public sealed class TaskPrinter(TextWriter output, bool json)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static bool IsFinal(JsonElement task) =>
        task.TryGetProperty("status", out var s) && s.GetString() is "succeeded" or "failed" or "cancelled";

    /// <summary>The task waits for a person's approval of a call: waiting on it longer is waiting for that person.</summary>
    public static bool AwaitsApproval(JsonElement task) => task.TryGetProperty("status", out var s) && s.GetString() == "awaiting_approval";

    public static bool Succeeded(JsonElement task) => task.TryGetProperty("status", out var s) && s.GetString() == "succeeded";

    public Task AcceptedAsync(JsonElement accepted) => json
        ? WriteJsonAsync(accepted)
        : output.WriteLineAsync($"{accepted.GetProperty("id").GetString()}\t{accepted.GetProperty("status").GetString()}"
            + (accepted.TryGetProperty("duplicate", out var d) && d.GetBoolean() ? "\t(existing task for this idempotency key)" : ""));

    /// <summary>A finished task prints its answer (chat), result (skill call) or output; an unfinished one its status.</summary>
    public async Task ResultAsync(JsonElement task)
    {
        if (json)
        {
            await WriteJsonAsync(task);
            return;
        }
        var status = task.GetProperty("status").GetString();
        if (status == "succeeded" && task.TryGetProperty("output", out var result))
        {
            await output.WriteLineAsync(Readable(result));
            return;
        }
        if (AwaitsApproval(task))
        {
            var id = task.GetProperty("id").GetString();
            await output.WriteLineAsync($"{id} awaiting_approval: {PendingCall(task)}");
            await output.WriteLineAsync($"approve: metaevolve tasks approve {id}    reject: metaevolve tasks reject {id} --reason \"...\"");
            return;
        }
        var error = task.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? $": {e.GetString()}" : "";
        await output.WriteLineAsync($"{task.GetProperty("id").GetString()} {status}{error}");
    }

    public async Task DetailAsync(JsonElement task)
    {
        if (json)
        {
            await WriteJsonAsync(task);
            return;
        }
        await output.WriteLineAsync($"id:        {task.GetProperty("id").GetString()}");
        await output.WriteLineAsync($"agent:     {task.GetProperty("namespace").GetString()}/{task.GetProperty("agent").GetString()} (pool {task.GetProperty("pool").GetString()})");
        await output.WriteLineAsync($"status:    {task.GetProperty("status").GetString()}{(task.GetProperty("deadLettered").GetBoolean() ? " (dead-lettered)" : "")}");
        await output.WriteLineAsync($"attempts:  {task.GetProperty("attempts").GetInt32()}");
        if (Region(task) is { } region)
        {
            await output.WriteLineAsync($"region:    {region}{(Text(task, "submittedRegion") is { } submitted && submitted != region ? $" (submitted in {submitted})" : "")}");
        }
        if (task.TryGetProperty("output", out var result))
        {
            await output.WriteLineAsync($"output:    {Readable(result)}");
        }
        if (task.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
        {
            await output.WriteLineAsync($"error:     {error.GetString()}");
        }
        if (task.TryGetProperty("approval", out var approval) && approval.ValueKind == JsonValueKind.Object)
        {
            var decided = approval.TryGetProperty("decision", out var d) && d.ValueKind == JsonValueKind.String
                ? $" — {d.GetString()}{By(approval)}{(approval.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? ": " + r.GetString() : "")}"
                : AwaitsApproval(task) && task.GetProperty("timings").TryGetProperty("approvalDeadline", out var until) && until.ValueKind == JsonValueKind.String
                    ? $" — waiting until {until.GetString()}"
                    : "";
            await output.WriteLineAsync($"approval:  {PendingCall(task)}{decided}");
        }
        var usage = task.GetProperty("usage");
        await output.WriteLineAsync($"usage:     {usage.GetProperty("promptTokens").GetInt32()} prompt + {usage.GetProperty("completionTokens").GetInt32()} completion tokens");
        var timings = task.GetProperty("timings");
        if (timings.TryGetProperty("totalMs", out var total) && total.ValueKind == JsonValueKind.Number)
        {
            await output.WriteLineAsync($"took:      {total.GetInt64()} ms");
        }
    }

    public async Task ListAsync(JsonElement tasks)
    {
        if (json)
        {
            await WriteJsonAsync(tasks);
            return;
        }
        // REGION only from a gateway whose region federates with others: a single installation's table stays as it was.
        var regions = tasks.EnumerateArray().Any(t => Region(t) is not null);
        await output.WriteLineAsync("ID\tAGENT\tSTATUS\tATTEMPTS\t" + (regions ? "REGION\t" : "") + "CREATED");
        foreach (var task in tasks.EnumerateArray())
        {
            var status = task.GetProperty("status").GetString() + (task.GetProperty("deadLettered").GetBoolean() ? " (dead-lettered)" : "");
            var region = regions ? (Region(task) ?? "-") + "\t" : "";
            await output.WriteLineAsync($"{task.GetProperty("id").GetString()}\t{task.GetProperty("agent").GetString()}\t{status}\t{task.GetProperty("attempts").GetInt32()}\t{region}{task.GetProperty("timings").GetProperty("createdAt").GetString()}");
        }
    }

    /// <summary>The region that runs (or ran) the task; null when regions are not in use (or from an older gateway).</summary>
    private static string? Region(JsonElement task) => Text(task, "region");

    private static string? Text(JsonElement task, string property) =>
        task.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary><c>skill.function {"name": value}</c>: the call a person approves or rejects.</summary>
    private static string PendingCall(JsonElement task)
    {
        if (!task.TryGetProperty("approval", out var approval) || approval.ValueKind != JsonValueKind.Object)
        {
            return "(no call recorded)";
        }
        var function = approval.TryGetProperty("function", out var f) ? f.GetString() : "?";
        var arguments = approval.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.Object ? a.GetRawText() : "{}";
        return $"{function} {arguments}";
    }

    private static string By(JsonElement approval) =>
        approval.TryGetProperty("decidedBy", out var by) && by.ValueKind == JsonValueKind.String ? $" by {by.GetString()}" : "";

    private static string Readable(JsonElement output)
    {
        if (output.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in new[] { "answer", "result" })
            {
                if (output.TryGetProperty(name, out var part))
                {
                    return part.ValueKind == JsonValueKind.String ? part.GetString()! : part.GetRawText();
                }
            }
        }
        return output.ValueKind == JsonValueKind.String ? output.GetString()! : output.GetRawText();
    }

    private Task WriteJsonAsync(JsonElement value) => output.WriteLineAsync(JsonSerializer.Serialize(value, Indented));
}
