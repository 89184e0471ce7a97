using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// spec.requireApproval: a guarded call parks its task (awaiting_approval, message acked, slot free, conversation in the
/// store), and a person's decision resumes it on any worker — approved, the tool runs once; rejected, the model reads the
/// refusal; undecided past approvalTimeoutSeconds, the task fails.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ToolApprovalTests : IAsyncLifetime
{
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;
    private TaskControl _control = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _model = new ScriptedModelServer(Script);
        await _env.PublishSkillAsync("calc-tools", AgentEnvironment.CalcSkill());
        await _env.SetAgentAsync(PipelineEnvironment.Agent, Spec());
        var pipeline = _env.Pipeline;
        _control = new TaskControl(pipeline.Tasks, pipeline.Publisher, new TaskOutbox(pipeline.DataSource, pipeline.Schema), pipeline.Nats, pipeline.Names,
            new TaskApprovals(pipeline.DataSource, pipeline.Schema));
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    private JsonObject Spec(int? approvalTimeoutSeconds = null)
    {
        var spec = AgentEnvironment.AgentSpec(_model, "Use your tools.", AgentEnvironment.SkillRefs("calc-tools"));
        spec["requireApproval"] = new JsonArray("calc-tools.Add");
        if (approvalTimeoutSeconds is { } timeout)
        {
            spec["approvalTimeoutSeconds"] = timeout;
        }

        return spec;
    }

    private static ScriptedReply Script(JsonObject request)
    {
        var last = LastMessage(request);
        if ((string?)last["role"] == "tool")
        {
            return ScriptedReply.Text("Result: " + string.Join(" | ", Messages(request).Where(m => (string?)m!["role"] == "tool").Select(Text)));
        }

        return Text(last) == "hello"
            ? ScriptedReply.Text("hi there")
            : ScriptedReply.ToolCalls(("calc_tools-Add", """{"a": 2, "b": 3}"""));
    }

    [Fact]
    public async Task Approved_call_runs_once_after_the_task_waited_without_holding_a_slot()
    {
        await using var worker = _env.StartWorker(concurrency: 1);
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var task = _env.Chat("add 2 and 3");
        var parked = await ParkAsync(task);
        var approval = TaskApproval.FromJson(parked.ApprovalJson)!;
        Assert.Equal("calc_tools.Add", approval.Function);
        Assert.Equal(["a", "b"], approval.Arguments!.Select(p => p.Key).Order());
        Assert.Null(approval.Decision);
        Assert.NotNull(parked.ApprovalDeadline);

        // The one slot of the pool is free while the task waits.
        var other = await _env.RunAsync(_env.Chat("hello"));
        Assert.True(other.Status == TaskStates.Succeeded, other.Error);

        var outcome = await _control.DecideAsync(task.Id, approve: true, reason: null, decidedBy: "alice");
        Assert.Equal(ApprovalOutcomeKind.Resumed, outcome.Kind);
        var done = await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(60));
        Assert.True(done.Status == TaskStates.Succeeded, $"{done.Status}: {done.Error}\n{worker.Output}");
        var output = AgentEnvironment.Output(done);
        Assert.Equal("Result: 5", (string?)output["answer"]);
        var call = Assert.Single(output["toolCalls"]!.AsArray());
        Assert.Equal("calc_tools.Add", (string?)call!["function"]);
        Assert.Null((string?)call["error"]);
        // The model was asked twice for this task (the call, then the answer), and read one result.
        var final = Assert.Single(_model.Requests, r => (string?)LastMessage(r)["role"] == "tool");
        Assert.Equal(["5"], Messages(final).Where(m => (string?)m!["role"] == "tool").Select(Text));
        Assert.Equal(["system", "user", "assistant", "tool"], Messages(final).Select(m => (string?)m!["role"]));
        // Both model round trips are counted: 20/8 for the call, 10/5 for the answer.
        Assert.Equal(30, done.PromptTokens);
        Assert.Equal(13, done.CompletionTokens);
        var decided = TaskApproval.FromJson(done.ApprovalJson)!;
        Assert.Equal(ApprovalDecisions.Approved, decided.Decision);
        Assert.Equal("alice", decided.DecidedBy);
        Assert.Equal(1, done.Resumes);

        // Deciding again changes nothing.
        Assert.Equal(ApprovalOutcomeKind.NotAwaiting, (await _control.DecideAsync(task.Id, approve: true, null, null)).Kind);
    }

    [Fact]
    public async Task Streaming_worker_parks_and_resumes_the_same_way()
    {
        await using var worker = _env.StartWorker(concurrency: 1, extra: new Dictionary<string, string> { ["Agents__Streaming"] = "true" });
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var task = _env.Chat("add 2 and 3");
        var parked = await ParkAsync(task);
        Assert.Equal("calc_tools.Add", TaskApproval.FromJson(parked.ApprovalJson)!.Function);
        await _control.DecideAsync(task.Id, approve: true, null, null);
        var done = await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(60));
        Assert.True(done.Status == TaskStates.Succeeded, $"{done.Status}: {done.Error}\n{worker.Output}");
        Assert.Equal("Result: 5", (string?)AgentEnvironment.Output(done)["answer"]);
        var final = Assert.Single(_model.Requests, r => (string?)LastMessage(r)["role"] == "tool");
        Assert.Equal(["5"], Messages(final).Where(m => (string?)m!["role"] == "tool").Select(Text));
    }

    [Fact]
    public async Task A_waiting_task_can_be_cancelled_and_then_not_decided_on()
    {
        await using var worker = _env.StartWorker(concurrency: 1);
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var task = _env.Chat("add 2 and 3");
        await ParkAsync(task);
        Assert.Equal(TaskStates.Cancelled, await _control.CancelAsync(task.Id));
        var cancelled = await _env.Pipeline.Tasks.GetAsync(task.Id);
        Assert.Equal("cancelled while it waited for approval", cancelled!.Error);
        Assert.Equal(ApprovalOutcomeKind.NotAwaiting, (await _control.DecideAsync(task.Id, approve: true, null, null)).Kind);
    }

    [Fact]
    public async Task Rejected_call_does_not_run_and_the_model_reads_the_refusal_and_the_reason()
    {
        await using var worker = _env.StartWorker(concurrency: 1);
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var task = _env.Chat("add 2 and 3");
        await ParkAsync(task);
        Assert.Equal(ApprovalOutcomeKind.Resumed, (await _control.DecideAsync(task.Id, approve: false, reason: "not on a Friday", decidedBy: "bob")).Kind);
        var done = await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(60));
        Assert.True(done.Status == TaskStates.Succeeded, $"{done.Status}: {done.Error}");

        var final = Assert.Single(_model.Requests, r => (string?)LastMessage(r)["role"] == "tool");
        var refusal = Text(LastMessage(final));
        Assert.Equal("The call calc_tools.Add was refused by a person and did not run. Reason: not on a Friday", refusal);
        var output = AgentEnvironment.Output(done);
        Assert.Equal("Result: " + refusal, (string?)output["answer"]);
        Assert.Equal("rejected: not on a Friday", (string?)Assert.Single(output["toolCalls"]!.AsArray())!["error"]);
    }

    [Fact]
    public async Task A_decision_after_the_approval_timeout_fails_the_task_instead_of_resuming_it()
    {
        // The operator's leader fails overdue waits on a timer (Operator.Tests' TaskLifecycleTests); a decision that
        // comes first finds the deadline passed and fails the task itself.
        await _env.SetAgentAsync(PipelineEnvironment.Agent, Spec(approvalTimeoutSeconds: 1));
        await using var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var task = _env.Chat("add 2 and 3");
        var parked = await ParkAsync(task);
        var overdue = parked.ApprovalDeadline!.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        if (overdue > TimeSpan.Zero)
        {
            await Task.Delay(overdue, TestContext.Current.CancellationToken);
        }

        var decided = await _control.DecideAsync(task.Id, approve: true, null, null);
        Assert.Equal(ApprovalOutcomeKind.Expired, decided.Kind);
        Assert.Equal(TaskStates.Failed, decided.Task!.Status);
        Assert.Equal("approval timed out: nobody approved or rejected calc_tools.Add within 1 s (spec.approvalTimeoutSeconds)", decided.Task.Error);
        Assert.Equal(ApprovalOutcomeKind.NotAwaiting, (await _control.DecideAsync(task.Id, approve: true, null, null)).Kind);
        Assert.DoesNotContain(_model.Requests, r => (string?)LastMessage(r)["role"] == "tool");
    }

    [Fact]
    public async Task A_worker_killed_while_a_task_waits_loses_nothing_and_another_worker_resumes_it()
    {
        var first = _env.StartWorker(concurrency: 1);
        await first.WaitReadyAsync(ServiceStartup.Limit);
        var task = _env.Chat("add 2 and 3");
        await ParkAsync(task);
        first.Kill();
        await first.DisposeAsync();

        await using var second = _env.StartWorker(concurrency: 1);
        await second.WaitReadyAsync(ServiceStartup.Limit);
        Assert.Equal(ApprovalOutcomeKind.Resumed, (await _control.DecideAsync(task.Id, approve: true, null, "carol")).Kind);
        var done = await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(60));
        Assert.True(done.Status == TaskStates.Succeeded, $"{done.Status}: {done.Error}\n{second.Output}");
        Assert.Equal("Result: 5", (string?)AgentEnvironment.Output(done)["answer"]);
    }

    [Fact]
    public async Task The_parking_message_redelivered_after_a_decision_does_not_start_the_task_over()
    {
        await using var worker = _env.StartWorker(concurrency: 1);
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var task = _env.Chat("add 2 and 3");
        await ParkAsync(task);

        // The decision is stored; its resume is not published yet (a gateway's relay would publish it later).
        var decided = await new TaskApprovals(_env.Pipeline.DataSource, _env.Pipeline.Schema).DecideAsync(task.Id, approve: true, null, null);
        Assert.Equal(ApprovalOutcomeKind.Resumed, decided.Kind);
        // Meanwhile the parking message comes again, as after a lost ack: it must not claim the queued row.
        await _env.Pipeline.Publisher.PublishAsync(task, $"{task.Id:D}/again");
        await PipelineEnvironment.WaitUntilAsync(async () =>
        {
            var consumer = await _env.Pipeline.JetStream.GetConsumerAsync(_env.Pipeline.Stream, _env.Pipeline.Consumer);
            return consumer.Info is { NumPending: 0, NumAckPending: 0 };
        }, TimeSpan.FromSeconds(60), () => "the repeated message was never settled");
        Assert.Equal(TaskStates.Queued, (await _env.Pipeline.Tasks.GetAsync(task.Id))!.Status);

        await _env.Pipeline.Publisher.PublishAsync(decided.Task!.ToEnvelope(), TaskApprovals.ResumeMessageId(task.Id, decided.Task.Resumes));
        var done = await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(60));
        Assert.True(done.Status == TaskStates.Succeeded, $"{done.Status}: {done.Error}\n{worker.Output}");
        Assert.Equal("Result: 5", (string?)AgentEnvironment.Output(done)["answer"]);
        Assert.Single(_model.Requests, r => (string?)LastMessage(r)["role"] == "user");
    }

    [Fact]
    public async Task Direct_call_of_a_guarded_function_waits_for_approval_too()
    {
        await using var worker = _env.StartWorker(concurrency: 1);
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var approved = _env.Call("calc-tools", "Add", """{"a": 40, "b": 2}""");
        var parked = await ParkAsync(approved);
        var approval = TaskApproval.FromJson(parked.ApprovalJson)!;
        Assert.Equal("calc-tools.Add", approval.Function);
        Assert.Equal(40, (int)approval.Arguments!["a"]!);
        await _control.DecideAsync(approved.Id, approve: true, null, null);
        var done = await _env.Pipeline.WaitForFinalAsync(approved.Id, TimeSpan.FromSeconds(60));
        Assert.True(done.Status == TaskStates.Succeeded, $"{done.Status}: {done.Error}");
        Assert.Equal("42", (string?)AgentEnvironment.Output(done)["result"]);

        var rejected = _env.Call("calc-tools", "Add", """{"a": 1, "b": 1}""");
        await ParkAsync(rejected);
        await _control.DecideAsync(rejected.Id, approve: false, "no", "dave");
        var refused = await _env.Pipeline.WaitForFinalAsync(rejected.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(TaskStates.Failed, refused.Status);
        Assert.Equal("calc-tools.Add was rejected by dave: no", refused.Error);

        // A function the agent does not guard runs at once.
        var free = await _env.RunAsync(_env.Call("calc-tools", "Explode", """{"reason": "x"}"""));
        Assert.Equal(TaskStates.Failed, free.Status);
        Assert.Null(free.ApprovalJson);
        Assert.Empty(_model.Requests);
    }

    /// <summary>Publishes the task and waits until it waits for approval.</summary>
    private async Task<TaskRecord> ParkAsync(TaskEnvelope task)
    {
        await _env.Pipeline.Publisher.PublishAsync(task);
        TaskRecord? record = null;
        await PipelineEnvironment.WaitUntilAsync(
            async () => (record = await _env.Pipeline.Tasks.GetAsync(task.Id)) is { } r && (r.Status == TaskStates.AwaitingApproval || TaskStates.IsFinal(r.Status)),
            TimeSpan.FromSeconds(60), () => $"task {task.Id} is {record?.Status ?? "absent"}");
        Assert.True(record!.Status == TaskStates.AwaitingApproval, $"{record.Status}: {record.Error}");
        return record;
    }
}
