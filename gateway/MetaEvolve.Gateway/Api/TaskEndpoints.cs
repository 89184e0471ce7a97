using System.Text.Json;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Auth;
using MetaEvolve.Gateway.Operability;
using MetaEvolve.Gateway.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace MetaEvolve.Gateway.Api;

/// <summary>The task resources: submit, read (and wait), stream events, cancel, retry, approve or reject, list.</summary>
public static class TaskEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapPost("/namespaces/{ns}/agents/{agent}/tasks", SubmitAsync)
            .WithName("SubmitTask")
            .WithSummary("Submit a chat message or a direct skill call to an agent; with ?wait=, answered with the task when it ends within the wait.")
            .Accepts<SubmitTaskRequest>("application/json")
            .Produces<TaskView>()
            .Produces<TaskAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        v1.MapGet("/namespaces/{ns}/tasks", ListAsync)
            .WithName("ListTasks")
            .WithSummary("The newest tasks of a namespace (last 7 days), optionally one status or only dead-lettered ones.")
            .Produces<TaskView[]>();
        v1.MapGet("/tasks/{id:guid}", GetAsync)
            .WithName("GetTask")
            .WithSummary("A task's status, output, error, timings and usage; ?wait=30s waits until it ends.")
            .Produces<TaskView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        v1.MapGet("/tasks/{id:guid}/events", EventsAsync)
            .WithName("TaskEvents")
            .WithSummary("Server-sent events: 'status' on every change, 'approval' with the pending call when the task waits for a person's decision, 'delta' with a chat answer's text as it streams (\"reset\": start the text over), 'end' after the last status.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        v1.MapDelete("/tasks/{id:guid}", CancelAsync)
            .WithName("CancelTask")
            .WithSummary("Cancel a task: a queued one never runs, a running one is stopped.")
            .Produces<TaskView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        v1.MapPost("/tasks/{id:guid}/retry", RetryAsync)
            .WithName("RetryTask")
            .WithSummary("Put a dead-lettered task back on its queue with fresh attempts.")
            .Produces<TaskView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        v1.MapPost("/tasks/{id:guid}/approve", (Guid id, HttpContext context, TaskRepository tasks, TaskControl control, CancellationToken ct) =>
                DecideAsync(id, approve: true, context, tasks, control, ct))
            .WithName("ApproveTaskCall")
            .WithSummary("Approve the call a task waits on (status awaiting_approval): it runs, and the task goes on. Body (optional): {\"reason\"}. Needs the approve scope.")
            .Produces<TaskView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        v1.MapPost("/tasks/{id:guid}/reject", (Guid id, HttpContext context, TaskRepository tasks, TaskControl control, CancellationToken ct) =>
                DecideAsync(id, approve: false, context, tasks, control, ct))
            .WithName("RejectTaskCall")
            .WithSummary("Reject the call a task waits on: it does not run, and the model is told so and why. Body: {\"reason\"}. Needs the approve scope.")
            .Produces<TaskView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> SubmitAsync(string ns, string agent, HttpContext context, TaskAdmission admissions, TaskWatcher watcher, GatewayOptions options, GatewayMetrics metrics, string? wait, CancellationToken cancellationToken)
    {
        if ((KeyAccess.Refuse(context, ns, KeyScopes.Submit) ?? KeyAccess.RefuseAgent(context, agent)) is { } forbidden)
        {
            metrics.Rejected("namespace");
            return forbidden;
        }
        var caller = KeyAccess.Caller(context)!;
        if (!TaskEnvelopeCodec.IsDnsLabel(ns) || !TaskEnvelopeCodec.IsDnsLabel(agent))
        {
            metrics.Rejected("invalid");
            return UnknownAgent(ns, agent);
        }
        if (!WaitDuration.TryParse(wait, out var waitFor))
        {
            metrics.Rejected("invalid");
            return InvalidWait();
        }
        var (submission, problem) = await SubmitRequestReader.ReadAsync(context.Request, options.MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            metrics.Rejected("invalid");
            return problem;
        }
        try
        {
            var s = submission!;
            var admission = await admissions.SubmitAsync(caller, ns, agent, s.Input, s.ThreadId, s.Deadline, s.IdempotencyKey, watch: waitFor > TimeSpan.Zero, cancellationToken);
            switch (admission.Refusal)
            {
                case AdmissionRefusal.Starting:
                    return Unavailable(options, admission.Reason!);
                case AdmissionRefusal.ThreadOfAnotherKey:
                    metrics.Rejected("thread");
                    return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Thread not allowed",
                        detail: admission.Reason, extensions: new Dictionary<string, object?> { ["field"] = "threadId" });
                case AdmissionRefusal.NamespaceQueueFull:
                    metrics.Rejected("namespace_queue_full");
                    return new RetryAfterResult(TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Namespace queue full",
                        detail: admission.Reason), options.QueueFullRetryAfter);
            }

            var result = admission.Submitted!;
            await using var resultWatch = result.Watch;
            var url = TaskUrls.Task(result.Id);
            if (waitFor > TimeSpan.Zero)
            {
                // The synchronous form: one request, answered with the task when it ends within the wait. A new task
                // is watched from before its publish; a duplicate's task may have ended already, so its row is read first.
                using var waiting = metrics.Waiting();
                var within = waitFor > options.MaxWait ? options.MaxWait : waitFor;
                var record = resultWatch is not null
                    ? await resultWatch.SettledAsync(within, cancellationToken)
                    : await watcher.GetAsync(result.Id, within, cancellationToken);
                if (record is not null && (TaskStates.IsFinal(record.Status) || record.Status == TaskStates.AwaitingApproval))
                {
                    return TypedResults.Ok(TaskView.From(record));
                }
            }
            return TypedResults.Accepted(url, new TaskAccepted(result.Id, result.Status, url, result.Duplicate));
        }
        catch (UnknownAgentException)
        {
            metrics.Rejected("unknown_agent");
            return UnknownAgent(ns, agent);
        }
        catch (PoolWithoutConsumerException ex)
        {
            metrics.Rejected("pool_without_consumer");
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Agent's pool has no consumer", detail: ex.Message,
                extensions: new Dictionary<string, object?> { ["pool"] = $"{ns}/{ex.Pool}" });
        }
        catch (IdempotencyConflictException ex)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Idempotency key in use", detail: ex.Message,
                extensions: new Dictionary<string, object?> { ["field"] = "Idempotency-Key", ["taskId"] = ex.TaskId });
        }
        catch (InvalidTaskException ex)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The task request is not valid", detail: ex.Message);
        }
        catch (QueueFullException ex)
        {
            return Unavailable(options, ex.Message);
        }
        catch (NpgsqlException)
        {
            // Nothing was accepted: without its row a task does not exist. NATS being away is no reason to refuse
            // (the outbox relay publishes later), so only the store's absence is.
            return Unavailable(options, "the task store is unavailable; nothing was accepted");
        }
    }

    private static async Task<IResult> ListAsync(string ns, HttpContext context, TaskRepository tasks, string? status, bool? deadLettered, int? limit, CancellationToken cancellationToken)
    {
        if (KeyAccess.Refuse(context, ns, KeyScopes.Read) is { } forbidden)
        {
            return forbidden;
        }
        if (status is not null && status is not (TaskStates.Queued or TaskStates.Running or TaskStates.AwaitingApproval or TaskStates.Succeeded or TaskStates.Failed or TaskStates.Cancelled))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["must be queued, running, awaiting_approval, succeeded, failed or cancelled"] });
        }
        // Without admin a key lists only the tasks it submitted.
        var caller = KeyAccess.Caller(context)!;
        var rows = await tasks.ListAsync(ns, status, deadLettered ?? false, Math.Clamp(limit ?? 50, 1, 500), TimeSpan.FromDays(7),
            caller.IsAdmin ? null : caller.Name, cancellationToken);
        return TypedResults.Ok(rows.Select(TaskView.From).ToArray());
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext context, TaskWatcher watcher, TaskRepository tasks, GatewayOptions options, GatewayMetrics metrics, string? wait, CancellationToken cancellationToken)
    {
        if (KeyAccess.RefuseScope(context, KeyScopes.Read) is { } forbidden)
        {
            return forbidden;
        }
        if (!WaitDuration.TryParse(wait, out var waitFor))
        {
            return InvalidWait();
        }
        // Whether the caller may see the task is settled before any wait: a wait must not hold a connection open,
        // nor tell by its length, for a task the caller may not see.
        var record = await tasks.GetAsync(id, cancellationToken);
        if (record is null || KeyAccess.Hides(context, record))
        {
            return UnknownTask(id);
        }
        if (waitFor > TimeSpan.Zero && !TaskStates.IsFinal(record.Status))
        {
            using var waiting = metrics.Waiting();
            record = await watcher.GetAsync(id, waitFor > options.MaxWait ? options.MaxWait : waitFor, cancellationToken) ?? record;
        }
        return TypedResults.Ok(TaskView.From(record));
    }

    private static async Task EventsAsync(Guid id, HttpContext context, TaskWatcher watcher, AnswerFollower answers, TaskRepository tasks, GatewayOptions options, GatewayMetrics metrics, CancellationToken cancellationToken)
    {
        if (KeyAccess.RefuseScope(context, KeyScopes.Read) is { } forbidden)
        {
            await forbidden.ExecuteAsync(context);
            return;
        }
        if (await tasks.GetAsync(id, cancellationToken) is not { } visible || KeyAccess.Hides(context, visible))
        {
            await UnknownTask(id).ExecuteAsync(context);
            return;
        }
        using var waiting = metrics.Waiting();
        // Watched, then read again: a change between the check above and the watch is not missed. A chat task's answer
        // is followed from before the read too, so text that streams meanwhile is not missed either.
        await using var watch = await watcher.WatchAsync(id, cancellationToken);
        await using var answer = IsChat(visible) && !TaskStates.IsFinal(visible.Status) ? await answers.FollowAsync(id, cancellationToken) : null;
        var record = await tasks.GetAsync(id, cancellationToken) ?? visible;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx buffer responses unless told not to; events must arrive as they happen.
        response.Headers["X-Accel-Buffering"] = "no";
        var json = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var splice = answer is null ? new AnswerSplice() : null;
        var following = answer is not null;
        string? lastSent = null;
        try
        {
            while (true)
            {
                if (record is not null)
                {
                    if (TaskStates.IsFinal(record.Status) && IsChat(record))
                    {
                        // The recorded answer completes what streamed (or is all of it, for a listener that came late).
                        var recorded = RecordedAnswer(record);
                        await WriteAnswerAsync(response, answer?.Finish(recorded) ?? splice!.Finish(recorded), cancellationToken);
                    }
                    var view = TaskView.From(record);
                    var data = JsonSerializer.Serialize(view, json);
                    if (data != lastSent)
                    {
                        if (record.Status == TaskStates.AwaitingApproval && view.Approval is { } pending)
                        {
                            // What a person must decide on, by itself, so a client can prompt without reading the status.
                            await response.WriteAsync($"event: approval\ndata: {JsonSerializer.Serialize(new ApprovalEvent(record.Id, pending, record.ApprovalDeadline), json)}\n\n", cancellationToken);
                        }

                        await response.WriteAsync($"event: status\ndata: {data}\n\n", cancellationToken);
                        lastSent = data;
                    }
                    if (TaskStates.IsFinal(record.Status))
                    {
                        await response.WriteAsync("event: end\ndata: {}\n\n", cancellationToken);
                        return;
                    }
                }
                await response.Body.FlushAsync(cancellationToken);
                // A notice wakes us at once; without one the row is re-read now and then, which shows queued → running
                // and keeps the connection alive through idle proxies. Text is written as it arrives meanwhile.
                var next = watch.NextAsync(options.EventsRefresh, cancellationToken);
                var text = following ? answer!.WaitAsync(cancellationToken) : null;
                while (text is not null && await Task.WhenAny(next, text) == text)
                {
                    // False: the subscription ended (the connection closes); the recorded answer still ends the text.
                    following = await text;
                    await WriteAnswerAsync(response, answer!.Drain(), cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    text = following ? answer.WaitAsync(cancellationToken) : null;
                }
                record = await next ?? await tasks.GetAsync(id, cancellationToken);
                if (lastSent is not null && record is not null && JsonSerializer.Serialize(TaskView.From(record), json) == lastSent)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    /// <summary><c>event: delta</c> with <c>{"text", "offset"}</c>, or <c>event: reset</c> (discard the text so far).</summary>
    private static async Task WriteAnswerAsync(HttpResponse response, IEnumerable<AnswerEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            await response.WriteAsync(e.Text is null
                ? "event: reset\ndata: {}\n\n"
                : $"event: delta\ndata: {JsonSerializer.Serialize(new AnswerDeltaEvent(e.Text, e.Offset), JsonSerializerOptions.Web)}\n\n", cancellationToken);
        }
    }

    private sealed record AnswerDeltaEvent(string Text, int Offset);

    /// <summary><c>event: approval</c>: the task, the pending call (function, arguments, ...) and until when it may wait.</summary>
    private sealed record ApprovalEvent(Guid TaskId, JsonElement Approval, DateTimeOffset? Deadline);

    /// <summary>Chat tasks have <c>input.message</c>; direct calls <c>input.call</c>.</summary>
    private static bool IsChat(TaskRecord record)
    {
        using var input = JsonDocument.Parse(record.InputJson);
        return input.RootElement.ValueKind == JsonValueKind.Object && !input.RootElement.TryGetProperty("call", out _);
    }

    private static string? RecordedAnswer(TaskRecord record)
    {
        if (record.Status != TaskStates.Succeeded || record.OutputJson is null)
        {
            return null;
        }
        using var output = JsonDocument.Parse(record.OutputJson);
        return output.RootElement.ValueKind == JsonValueKind.Object && output.RootElement.TryGetProperty("answer", out var a) && a.ValueKind == JsonValueKind.String
            ? a.GetString()
            : null;
    }

    private static async Task<IResult> CancelAsync(Guid id, HttpContext context, TaskRepository tasks, TaskControl control, CancellationToken cancellationToken)
    {
        if (KeyAccess.RefuseScope(context, KeyScopes.Cancel) is { } forbidden)
        {
            return forbidden;
        }
        var record = await tasks.GetAsync(id, cancellationToken);
        if (record is null || KeyAccess.Hides(context, record))
        {
            return UnknownTask(id);
        }
        if (TaskStates.IsFinal(record.Status))
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Task already ended",
                detail: $"task {id:D} is {record.Status}; only queued or running tasks can be cancelled");
        }
        await control.CancelAsync(id, cancellationToken);
        var after = await tasks.GetAsync(id, cancellationToken) ?? record;
        return TypedResults.Accepted(TaskUrls.Task(id), TaskView.From(after));
    }

    private static async Task<IResult> RetryAsync(Guid id, HttpContext context, TaskRepository tasks, TaskControl control, CancellationToken cancellationToken)
    {
        if (KeyAccess.RefuseScope(context, KeyScopes.Submit) is { } forbidden)
        {
            return forbidden;
        }
        var record = await tasks.GetAsync(id, cancellationToken);
        if (record is null || KeyAccess.Hides(context, record))
        {
            return UnknownTask(id);
        }
        if (!await control.RequeueAsync(id, cancellationToken))
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Task is not dead-lettered",
                detail: $"task {id:D} is {record.Status}{(record.DeadLettered ? "" : ", not dead-lettered")}; only dead-lettered tasks can be retried");
        }
        var after = await tasks.GetAsync(id, cancellationToken) ?? record;
        return TypedResults.Accepted(TaskUrls.Task(id), TaskView.From(after));
    }

    /// <summary>
    /// Approve or reject: the same key and namespace rules as cancel (a key without admin decides on its own tasks
    /// only), plus the approve scope. A reject needs a reason, since the model is told it.
    /// </summary>
    private static async Task<IResult> DecideAsync(Guid id, bool approve, HttpContext context, TaskRepository tasks, TaskControl control, CancellationToken cancellationToken)
    {
        if (KeyAccess.RefuseScope(context, KeyScopes.Approve) is { } forbidden)
        {
            return forbidden;
        }
        var record = await tasks.GetAsync(id, cancellationToken);
        if (record is null || KeyAccess.Hides(context, record))
        {
            return UnknownTask(id);
        }
        string? reason = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                var body = await context.Request.ReadFromJsonAsync<DecisionRequest>(JsonSerializerOptions.Web, cancellationToken);
                reason = body?.Reason;
            }
            catch (JsonException)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["must be a JSON object such as {\"reason\": \"...\"}"] });
            }
        }
        if (!approve && string.IsNullOrWhiteSpace(reason))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["a rejection needs a reason: the model is told it"] });
        }
        if (reason is { Length: > 4096 })
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["must be at most 4096 characters"] });
        }
        var outcome = await control.DecideAsync(id, approve, reason, KeyAccess.Caller(context)!.Name, cancellationToken);
        return outcome.Kind switch
        {
            ApprovalOutcomeKind.Resumed => TypedResults.Accepted(TaskUrls.Task(id), TaskView.From(outcome.Task!)),
            ApprovalOutcomeKind.Expired => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Approval timed out",
                detail: outcome.Task?.Error ?? $"task {id:D} waited longer than its agent's approvalTimeoutSeconds"),
            ApprovalOutcomeKind.NotAwaiting => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Task is not awaiting approval",
                detail: $"task {id:D} is {outcome.Task?.Status}; only a task awaiting approval can be approved or rejected"),
            _ => UnknownTask(id),
        };
    }

    private sealed record DecisionRequest(string? Reason);

    private static IResult InvalidWait() =>
        Results.ValidationProblem(new Dictionary<string, string[]> { ["wait"] = ["must be a duration such as 30s, 500ms, 2m or a number of seconds"] });

    private static ProblemHttpResult UnknownAgent(string ns, string agent) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Unknown agent",
        detail: $"agent '{agent}' is not known in namespace '{ns}' (is the Agent Ready?)",
        extensions: new Dictionary<string, object?> { ["field"] = "agent" });

    private static ProblemHttpResult UnknownTask(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Unknown task", detail: $"no task {id:D}");

    private static RetryAfterResult Unavailable(GatewayOptions options, string detail) =>
        new RetryAfterResult(TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Task queue unavailable", detail: detail), options.QueueFullRetryAfter);
}
