using System.Text.Json;

namespace MetaEvolve.Cli.Tasks;

/// <summary>How task commands print: the gateway's JSON as-is with <c>-o json</c>, otherwise lines for people.</summary>
public sealed class TaskPrinter(TextWriter output, bool json)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static bool IsFinal(JsonElement task) =>
        task.TryGetProperty("status", out var s) && s.GetString() is "succeeded" or "failed" or "cancelled";

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
        if (task.TryGetProperty("output", out var result))
        {
            await output.WriteLineAsync($"output:    {Readable(result)}");
        }
        if (task.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
        {
            await output.WriteLineAsync($"error:     {error.GetString()}");
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
        await output.WriteLineAsync("ID\tAGENT\tSTATUS\tATTEMPTS\tCREATED");
        foreach (var task in tasks.EnumerateArray())
        {
            var status = task.GetProperty("status").GetString() + (task.GetProperty("deadLettered").GetBoolean() ? " (dead-lettered)" : "");
            await output.WriteLineAsync($"{task.GetProperty("id").GetString()}\t{task.GetProperty("agent").GetString()}\t{status}\t{task.GetProperty("attempts").GetInt32()}\t{task.GetProperty("timings").GetProperty("createdAt").GetString()}");
        }
    }

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
