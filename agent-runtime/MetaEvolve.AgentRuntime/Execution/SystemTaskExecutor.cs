using System.Globalization;
using System.Text.Json;

namespace MetaEvolve.AgentRuntime.Execution;

/// <summary>
/// The built-in diagnostic functions every agent has, called as skill <c>system</c>:
/// <list type="bullet">
/// <item><c>system.echo</c> — returns its arguments object unchanged (<c>{}</c> without arguments).</item>
/// <item><c>system.sleep {"ms": N}</c> — waits N milliseconds, honouring cancellation; returns <c>{"sleptMs": N}</c>.</item>
/// <item><c>system.fail {"message": "...", "transient": bool, "untilAttempt": N}</c> — fails with the message;
/// transient failures are retried with backoff, permanent ones recorded at once. With <c>untilAttempt</c> it
/// fails only on attempts before N and then succeeds, to exercise retries.</item>
/// </list>
/// Anything else is delegated to <paramref name="next"/>: the skills and Semantic Kernel executors of later
/// issues plug in there. Without one, other calls and chat tasks fail permanently with a reason.
/// </summary>
public sealed class SystemTaskExecutor(ITaskExecutor? next = null) : ITaskExecutor
{
    public const string SkillName = "system";

    public ValueTask<TaskOutput> ExecuteAsync(TaskExecution task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var input = task.Envelope.Input;
        if (input.Call is { Skill: SkillName } call)
        {
            return call.Function switch
            {
                "echo" => ValueTask.FromResult(new TaskOutput(call.Arguments is { ValueKind: JsonValueKind.Object } args ? args.GetRawText() : "{}")),
                "sleep" => SleepAsync(call.Arguments, cancellationToken),
                "fail" => Fail(call.Arguments, task.Attempt),
                _ => throw new TaskFailedException($"unknown function system.{call.Function} (system has echo, sleep, fail)", transient: false),
            };
        }
        if (next is not null)
        {
            return next.ExecuteAsync(task, cancellationToken);
        }
        throw new TaskFailedException(
            input.Call is { } other
                ? $"skill '{other.Skill}' is not available on this worker (it runs only the built-in system functions)"
                : "chat tasks need a model executor, which this worker does not have",
            transient: false);
    }

    private static ValueTask<TaskOutput> Fail(JsonElement? arguments, int attempt)
    {
        if (ReadInt(arguments, "untilAttempt") is { } until && attempt >= until)
        {
            return ValueTask.FromResult(new TaskOutput(string.Create(CultureInfo.InvariantCulture, $"{{\"succeededOnAttempt\":{attempt}}}")));
        }
        var message = ReadString(arguments, "message") ?? "system.fail was called";
        var transient = arguments is { ValueKind: JsonValueKind.Object } args
            && args.TryGetProperty("transient", out var t) && t.ValueKind == JsonValueKind.True;
        throw new TaskFailedException(message, transient);
    }

    private static int? ReadInt(JsonElement? arguments, string name) =>
        arguments is { ValueKind: JsonValueKind.Object } args && args.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : null;

    private static string? ReadString(JsonElement? arguments, string name) =>
        arguments is { ValueKind: JsonValueKind.Object } args && args.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static async ValueTask<TaskOutput> SleepAsync(JsonElement? arguments, CancellationToken cancellationToken)
    {
        var ms = ReadInt(arguments, "ms") ?? throw new TaskFailedException("system.sleep needs an integer argument 'ms'", transient: false);
        if (ms < 0)
        {
            throw new TaskFailedException("system.sleep: 'ms' must not be negative", transient: false);
        }
        await Task.Delay(ms, cancellationToken);
        return new TaskOutput(string.Create(CultureInfo.InvariantCulture, $"{{\"sleptMs\":{ms}}}"));
    }
}
