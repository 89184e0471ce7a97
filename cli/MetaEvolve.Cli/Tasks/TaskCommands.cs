using System.CommandLine;
using System.Text.Json;

namespace MetaEvolve.Cli.Tasks;

/// <summary><c>metaevolve submit</c>, <c>call</c> and <c>tasks get|list|cancel|retry</c>: the gateway's task API on the command line.</summary>
internal static class TaskCommands
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(10);

    public static IEnumerable<Command> Create(TextWriter output, TextWriter error)
    {
        yield return Submit(output, error);
        yield return Call(output, error);
        yield return new Command("tasks", "Inspect and control submitted tasks.")
        {
            Get(output, error), List(output, error), Cancel(output, error), Retry(output, error),
            Decide(output, error, approve: true), Decide(output, error, approve: false),
        };
    }

    private static Command Submit(TextWriter output, TextWriter error)
    {
        var options = new GatewayCommandOptions();
        var agent = new Argument<string>("agent") { Description = "Agent name, or namespace/name." };
        var message = new Argument<string>("message") { Description = "The chat message for the agent." };
        var thread = new Option<string?>("--thread") { Description = "Conversation thread id (tasks of one thread share memory)." };
        var (wait, timeout, idempotency) = WaitOptions();
        var stream = new Option<bool>("--stream") { Description = "Print the answer as it streams, then end as --wait does (same exit codes)." };
        var command = new Command("submit", "Send a chat message to an agent; prints the task id, the answer with --wait, or the answer as it comes with --stream.")
        {
            agent, message, thread, wait, stream, timeout, idempotency,
        };
        options.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(options, parse, output, error, async (client, printer) =>
        {
            var (ns, name) = Split(parse.GetValue(agent)!, client.Settings.Namespace);
            var body = new { message = parse.GetValue(message), threadId = parse.GetValue(thread) };
            return parse.GetValue(stream) && !options.Json(parse)
                ? await SubmitAndStreamAsync(client, printer, output, error, ns, name, body, parse.GetValue(idempotency), parse.GetValue(timeout), ct)
                : await SubmitAndMaybeWaitAsync(client, printer, ns, name, body, parse.GetValue(idempotency), parse.GetValue(wait) || parse.GetValue(stream), parse.GetValue(timeout), ct);
        }, ct));
        return command;
    }

    private static Command Call(TextWriter output, TextWriter error)
    {
        var options = new GatewayCommandOptions();
        var agent = new Argument<string>("agent") { Description = "Agent name, or namespace/name." };
        var function = new Argument<string>("function") { Description = "skill.function to call." };
        var arguments = new Argument<string[]>("arguments") { Description = "name=value pairs; a value that is valid JSON (5, true, {...}) is passed as JSON, anything else as a string; name=@path reads the value from a file (JSON for .json, else a string), name=@@text passes @text.", Arity = ArgumentArity.ZeroOrMore };
        var (wait, timeout, idempotency) = WaitOptions();
        var command = new Command("call", "Call one skill function through an agent (no model); prints the task id, or the result with --wait.")
        {
            agent, function, arguments, wait, timeout, idempotency,
        };
        options.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(options, parse, output, error, async (client, printer) =>
        {
            var (ns, name) = Split(parse.GetValue(agent)!, client.Settings.Namespace);
            var target = parse.GetValue(function)!;
            var dot = target.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot == target.Length - 1)
            {
                throw new GatewaySettingsException($"'{target}' is not skill.function (e.g. text-stats.WordCount)");
            }
            var body = new { call = new { skill = target[..dot], function = target[(dot + 1)..], arguments = CallArguments.Parse(parse.GetValue(arguments) ?? [], Environment.CurrentDirectory) } };
            return await SubmitAndMaybeWaitAsync(client, printer, ns, name, body, parse.GetValue(idempotency), parse.GetValue(wait), parse.GetValue(timeout), ct);
        }, ct));
        return command;
    }

    private static Command Get(TextWriter output, TextWriter error)
    {
        var options = new GatewayCommandOptions();
        var id = new Argument<Guid>("id") { Description = "Task id." };
        var wait = new Option<bool>("--wait") { Description = "Wait until the task ends." };
        var timeout = new Option<TimeSpan>("--timeout") { Description = "Longest wait (hh:mm:ss).", DefaultValueFactory = _ => DefaultWait };
        var command = new Command("get", "Show a task: status, output, error, attempts, usage, timings.") { id, wait, timeout };
        options.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(options, parse, output, error, async (client, printer) =>
        {
            var task = parse.GetValue(wait)
                ? await client.WaitAsync(parse.GetValue(id), parse.GetValue(timeout), ct)
                : await client.GetAsync(parse.GetValue(id), TimeSpan.Zero, ct);
            await printer.DetailAsync(task);
            return parse.GetValue(wait) ? ExitFor(task) : TaskExitCode.Ok;
        }, ct));
        return command;
    }

    private static Command List(TextWriter output, TextWriter error)
    {
        var options = new GatewayCommandOptions();
        var status = new Option<string?>("--status") { Description = "Only tasks in this status." };
        status.AcceptOnlyFromAmong("queued", "running", "succeeded", "failed", "cancelled");
        var dead = new Option<bool>("--dead-lettered") { Description = "Only dead-lettered tasks (retry them with `tasks retry`)." };
        var limit = new Option<int>("--limit") { Description = "Most tasks to show (newest first).", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "List the newest tasks of the namespace (last 7 days).") { status, dead, limit };
        options.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(options, parse, output, error, async (client, printer) =>
        {
            await printer.ListAsync(await client.ListAsync(client.Settings.Namespace, parse.GetValue(status), parse.GetValue(dead), parse.GetValue(limit), ct));
            return TaskExitCode.Ok;
        }, ct));
        return command;
    }

    private static Command Cancel(TextWriter output, TextWriter error)
    {
        var options = new GatewayCommandOptions();
        var id = new Argument<Guid>("id") { Description = "Task id." };
        var command = new Command("cancel", "Cancel a queued or running task.") { id };
        options.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(options, parse, output, error, async (client, printer) =>
        {
            await printer.ResultAsync(await client.CancelAsync(parse.GetValue(id), ct));
            return TaskExitCode.Ok;
        }, ct));
        return command;
    }

    private static Command Decide(TextWriter output, TextWriter error, bool approve)
    {
        var options = new GatewayCommandOptions();
        var id = new Argument<Guid>("id") { Description = "Task id of a task awaiting approval." };
        var reason = new Option<string?>("--reason")
        {
            Description = approve ? "Why (recorded with the decision)." : "Why the call is refused; the model is told it.",
            Required = !approve,
        };
        var command = approve
            ? new Command("approve", "Approve the call a task waits on: it runs, and the task goes on.") { id, reason }
            : new Command("reject", "Reject the call a task waits on: it does not run, and the model is told why.") { id, reason };
        options.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(options, parse, output, error, async (client, printer) =>
        {
            await printer.ResultAsync(await client.DecideAsync(parse.GetValue(id), approve, parse.GetValue(reason), ct));
            return TaskExitCode.Ok;
        }, ct));
        return command;
    }

    private static Command Retry(TextWriter output, TextWriter error)
    {
        var options = new GatewayCommandOptions();
        var id = new Argument<Guid>("id") { Description = "Task id of a dead-lettered task." };
        var command = new Command("retry", "Put a dead-lettered task back on its queue.") { id };
        options.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(options, parse, output, error, async (client, printer) =>
        {
            await printer.ResultAsync(await client.RetryAsync(parse.GetValue(id), ct));
            return TaskExitCode.Ok;
        }, ct));
        return command;
    }

    private static (Option<bool> Wait, Option<TimeSpan> Timeout, Option<string?> IdempotencyKey) WaitOptions() => (
        new Option<bool>("--wait") { Description = "Wait for the task to end and print its result." },
        new Option<TimeSpan>("--timeout") { Description = "Longest wait (hh:mm:ss).", DefaultValueFactory = _ => DefaultWait },
        new Option<string?>("--idempotency-key") { Description = "Submitting again with the same key returns the same task instead of a new one." });

    private static async Task<int> SubmitAndMaybeWaitAsync(GatewayClient client, TaskPrinter printer, string ns, string agent, object body, string? key, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!wait)
        {
            await printer.AcceptedAsync(await client.SubmitAsync(ns, agent, body, key, TimeSpan.Zero, cancellationToken));
            return TaskExitCode.Ok;
        }
        // The first slice of the wait rides on the submission; a task that takes longer is waited for by id.
        var started = DateTimeOffset.UtcNow;
        var task = await client.SubmitAsync(ns, agent, body, key, timeout < GatewayClient.WaitSlice ? timeout : GatewayClient.WaitSlice, cancellationToken);
        if (!TaskPrinter.IsFinal(task) && !TaskPrinter.AwaitsApproval(task))
        {
            var left = timeout - (DateTimeOffset.UtcNow - started);
            task = await client.WaitAsync(task.GetProperty("id").GetGuid(), left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
        }
        await printer.ResultAsync(task);
        return ExitFor(task);
    }

    /// <summary>
    /// Submits, then prints the answer's text from the task's events as it arrives; the task's end is printed as --wait
    /// prints it, minus the answer already shown. If the event stream breaks off, the task is waited for by id and the
    /// rest of its answer printed.
    /// </summary>
    private static async Task<int> SubmitAndStreamAsync(GatewayClient client, TaskPrinter printer, TextWriter output, TextWriter error, string ns, string agent, object body, string? key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var accepted = await client.SubmitAsync(ns, agent, body, key, TimeSpan.Zero, cancellationToken);
        var id = accepted.GetProperty("id").GetGuid();
        var shown = new System.Text.StringBuilder();
        JsonElement? task = null;
        using var within = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        within.CancelAfter(timeout);
        try
        {
            await foreach (var (name, data) in client.EventsAsync(id, within.Token))
            {
                switch (name)
                {
                    case "delta":
                        var text = JsonDocument.Parse(data).RootElement.GetProperty("text").GetString() ?? "";
                        shown.Append(text);
                        await output.WriteAsync(text);
                        await output.FlushAsync(within.Token);
                        break;
                    case "reset":
                        // A retried attempt streams its answer again from the start.
                        await output.WriteLineAsync();
                        await error.WriteLineAsync("(the task was retried; its answer starts over)");
                        shown.Clear();
                        break;
                    case "status":
                        task = JsonDocument.Parse(data).RootElement.Clone();
                        break;
                }

                if (task is { } latest && TaskPrinter.AwaitsApproval(latest))
                {
                    // A person must act: waiting on is waiting for them.
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            // The stream broke off or the wait ran out; the task's row says how it stands.
        }

        if (task is not { } seen || !(TaskPrinter.IsFinal(seen) || TaskPrinter.AwaitsApproval(seen)))
        {
            var left = timeout - (DateTimeOffset.UtcNow - started);
            task = await client.WaitAsync(id, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
        }

        var final = task.Value;
        var answer = TaskPrinter.Succeeded(final) && final.TryGetProperty("output", out var o) && o.ValueKind == JsonValueKind.Object
            && o.TryGetProperty("answer", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : null;
        if (answer is not null && answer.StartsWith(shown.ToString(), StringComparison.Ordinal))
        {
            await output.WriteLineAsync(answer[shown.Length..]);
        }
        else
        {
            if (shown.Length > 0)
            {
                await output.WriteLineAsync();
            }
            await printer.ResultAsync(final);
        }
        return ExitFor(final);
    }

    private static int ExitFor(JsonElement task) =>
        TaskPrinter.Succeeded(task) ? TaskExitCode.Ok
        : TaskPrinter.IsFinal(task) ? TaskExitCode.TaskFailed
        : TaskPrinter.AwaitsApproval(task) ? TaskExitCode.AwaitingApproval
        : TaskExitCode.Unavailable;

    private static Task<int> RunAsync(GatewayCommandOptions options, ParseResult parse, TextWriter output, TextWriter error,
        Func<GatewayClient, TaskPrinter, Task<int>> action, CancellationToken cancellationToken) =>
        GatewayCommandRunner.RunAsync(options, parse, error, client => action(client, new TaskPrinter(output, options.Json(parse))), cancellationToken);

    private static (string Namespace, string Agent) Split(string agent, string defaultNamespace)
    {
        var slash = agent.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (defaultNamespace, agent) : (agent[..slash], agent[(slash + 1)..]);
    }
}
