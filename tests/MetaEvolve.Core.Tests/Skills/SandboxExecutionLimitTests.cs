using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Tests.Skills;

/// <summary>Code the policy accepts but that tries to burn CPU, stack or memory: each call is stopped, never the worker.</summary>
public sealed class SandboxExecutionLimitTests
{
    private static string Skill(string body, string members = "") =>
        "public sealed class S\n{\n" + members + "\n    [KernelFunction]\n    public string Run()\n    {\n" + body + "\n    }\n}\n";

    public static TheoryData<string, string, SkillStopReason> Runaways => new()
    {
        { "infinite while", Skill("        while (true) { }"), SkillStopReason.Timeout },
        { "infinite for with empty body", Skill("        for (;;) ;"), SkillStopReason.Timeout },
        { "infinite do", Skill("        var i = 0; do { i++; } while (i != -1 || true); return i.ToString();"), SkillStopReason.Timeout },
        { "goto loop", Skill("        top: goto top;"), SkillStopReason.Timeout },
        { "goto case loop", Skill("        var i = 0; switch (i) { case 0: goto case 1; case 1: goto case 0; } return \"\";"), SkillStopReason.Timeout },
        { "deep recursion", Skill("        return Deep(0).ToString();", "    private static int Deep(int n) => Deep(n + 1) + 1;"), SkillStopReason.RecursionTooDeep },
        { "recursive lambda", Skill("        Func<int, int> f = null!; f = x => f(x + 1) + 1; return f(0).ToString();"), SkillStopReason.RecursionTooDeep },
        { "mutual recursion via property", Skill("        return P.ToString();", "    private int P => Q + 1;\n    private int Q => P + 1;"), SkillStopReason.RecursionTooDeep },
        { "allocation bomb", Skill("        var list = new List<string>(); while (true) { list.Add(new string('x', 1000)); }"), SkillStopReason.AllocationBudget },
        { "doubling string", Skill("        var s = \"x\"; for (var i = 0; i < 40; i++) { s += s; } return s.Length.ToString();"), SkillStopReason.AllocationBudget },
        { "huge array", Skill("        var a = new long[int.MaxValue]; return a.Length.ToString();"), SkillStopReason.ArrayTooLarge },
        { "huge jagged array", Skill("        var n = 1 << 30; var a = new int[n][]; return a.Length.ToString();"), SkillStopReason.ArrayTooLarge },
        { "huge string in one call", Skill("        return new string('x', int.MaxValue).Length.ToString();"), SkillStopReason.OutOfMemory },
        { "infinite iterator through LINQ", Skill("        return Forever().Count().ToString();", "    private static IEnumerable<int> Forever() { while (true) { yield return 1; } }"), SkillStopReason.Timeout },
        { "lambda spinning inside LINQ", Skill("        return Enumerable.Range(0, int.MaxValue).Count(i => { var x = 0; for (var j = 0; j < 1000; j++) { x += j; } return x > i; }).ToString();"), SkillStopReason.Timeout },
        { "swallow by a narrow catch", Skill("        while (true) { try { while (true) { } } catch (InvalidOperationException) { } }"), SkillStopReason.Timeout },
        { "spin in finally", Skill("        try { return \"x\"; } finally { while (true) { } }"), SkillStopReason.Timeout },
        { "swallow by a faulted task", Skill("        var t = Spin(); return t.IsFaulted ? \"escaped\" : \"?\";", "    private static async Task Spin() { await Task.CompletedTask; while (true) { } }"), SkillStopReason.Timeout },
        { "spin in a static initializer", Skill("        return Slow.Value.ToString();", "    private static class Slow { public static readonly int Value = Spin(); private static int Spin() { while (true) { } } }"), SkillStopReason.Timeout },
        { "spin in an instance constructor called per call", Skill("        return new Heavy().ToString()!;", "    private sealed class Heavy { public Heavy() { while (true) { } } }"), SkillStopReason.Timeout },
        { "spin in a user-defined operator", Skill("        var v = new V() + new V(); return \"\";", "    private readonly struct V { public static V operator +(V a, V b) { while (true) { } } }"), SkillStopReason.Timeout },
        { "spin in ToString called by string.Join", Skill("        return string.Join(\",\", new[] { new T() });", "    private sealed class T { public override string ToString() { while (true) { } } }"), SkillStopReason.Timeout },
        { "catastrophic regex with a day-long timeout", Skill("        return System.Text.RegularExpressions.Regex.IsMatch(new string('a', 40) + \"!\", \"^(a+)+$\", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromDays(1)).ToString();"), SkillStopReason.Timeout },
        { "catastrophic regex with an infinite timeout", Skill("        var r = new System.Text.RegularExpressions.Regex(\"^(a+)+$\", System.Text.RegularExpressions.RegexOptions.None, System.Text.RegularExpressions.Regex.InfiniteMatchTimeout); try { return r.IsMatch(new string('a', 40) + \"!\").ToString(); } catch (System.Text.RegularExpressions.RegexMatchTimeoutException) { return \"caught\"; }"), SkillStopReason.Timeout },
        { "spinning ToString of the returned value", "public sealed class R { public override string ToString() { while (true) { } } }\npublic sealed class S { [KernelFunction] public R Run() => new R(); }", SkillStopReason.Timeout },
        { "spin in an async function", "public sealed class S { [KernelFunction] public async Task<string> Run() { await Task.CompletedTask; while (true) { } } }", SkillStopReason.Timeout },
    };

    [Theory]
    [MemberData(nameof(Runaways))]
    public async Task Runaway_call_is_stopped_with_a_clear_reason(string name, string source, SkillStopReason reason)
    {
        // Limits other than time get a generous clock, so a busy machine cannot turn them into timeouts.
        var limits = reason == SkillStopReason.Timeout ? SkillHarness.FastLimits : SkillHarness.FastLimits with { Timeout = TimeSpan.FromSeconds(20) };

        var outcome = await SkillHarness.RunAsync(source, "Run", limits);

        Assert.True(outcome.Status == SkillCallStatus.Stopped, $"{name}: {outcome}");
        Assert.Equal(reason, outcome.StopReason);
        Assert.StartsWith("skill call stopped", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exception_whose_message_spins_cannot_hang_the_host()
    {
        // Semantic Kernel reads the message for telemetry outside any call: the check there throws at once.
        const string source = "public sealed class E : InvalidOperationException { public override string Message { get { while (true) { } } } }\npublic sealed class S { [KernelFunction] public string Run() => throw new E(); }";

        var outcome = await SkillHarness.RunAsync(source, "Run");

        Assert.Equal(SkillCallStatus.Stopped, outcome.Status);
        Assert.Equal(SkillStopReason.OutsideSandbox, outcome.StopReason);
    }

    [Fact]
    public async Task Cancelling_the_caller_stops_the_call()
    {
        using var skill = SkillHarness.Load(Skill("        while (true) { }"));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var limits = SkillHarness.FastLimits with { Timeout = TimeSpan.FromMinutes(5) };

        var outcome = await SkillCallRunner.InvokeAsync(new Kernel(), skill.Plugin["Run"], [], limits, cancellation.Token);

        Assert.Equal(SkillCallStatus.Stopped, outcome.Status);
        Assert.Equal(SkillStopReason.Cancelled, outcome.StopReason);
    }

    [Fact]
    public async Task A_caller_cancelled_before_the_call_starts_is_a_stop_too()
    {
        using var skill = SkillHarness.Load(Skill("        return \"ran\";"));
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var outcome = await SkillCallRunner.InvokeAsync(new Kernel(), skill.Plugin["Run"], [], SkillHarness.FastLimits, cancellation.Token);

        Assert.Equal((SkillCallStatus.Stopped, SkillStopReason.Cancelled), (outcome.Status, outcome.StopReason));
    }

    [Fact]
    public async Task A_skill_exception_is_a_failure_not_a_stop()
    {
        var outcome = await SkillHarness.RunAsync(Skill("        throw new InvalidOperationException(\"bad input\");"), "Run");

        Assert.Equal(new SkillCallOutcome(SkillCallStatus.Failed, null, "InvalidOperationException: bad input", null), outcome);
    }

    [Fact]
    public async Task The_worker_keeps_serving_after_a_stop()
    {
        using var skill = SkillHarness.Load(Skill("        return Deep(0).ToString();", "    private static int Deep(int n) => n > 100 ? n : Deep(n + 1);"));
        using var spinner = SkillHarness.Load(Skill("        return Deep(0).ToString();", "    private static int Deep(int n) => Deep(n + 1) + 1;"));

        var stopped = await SkillCallRunner.InvokeAsync(new Kernel(), spinner.Plugin["Run"], [], SkillHarness.FastLimits, TestContext.Current.CancellationToken);
        var fine = await SkillCallRunner.InvokeAsync(new Kernel(), skill.Plugin["Run"], [], SkillHarness.FastLimits, TestContext.Current.CancellationToken);

        Assert.Equal(SkillCallStatus.Stopped, stopped.Status);
        Assert.Equal("101", fine.Value);
    }

    [Fact]
    public async Task Allowed_code_runs()
    {
        const string source = """
            using System.Text.Json;
            using System.Text.RegularExpressions;
            public sealed record Item(string Name, int Count);
            public sealed class S
            {
                private static readonly Regex Words = new(@"\w+", RegexOptions.None, TimeSpan.FromSeconds(5));
                [KernelFunction]
                public async Task<string> Run(string input)
                {
                    var items = Words.Matches(input).Select(m => new Item(m.Value, m.Length)).OrderBy(i => i.Name).ToList();
                    var sb = new StringBuilder();
                    foreach (var (name, count) in items) { sb.Append($"{name}={count};"); }
                    try { sb.Append(int.Parse("x")); } catch (FormatException) { sb.Append('!'); }
                    await Task.CompletedTask;
                    return sb + JsonSerializer.Serialize(items.Select(i => i.Name));
                }
            }
            """;

        // The first run JITs Regex, LINQ and System.Text.Json, which on a loaded machine can take longer than FastLimits'
        // 500 ms (CI saw this call end without a value); the limits have tests of their own.
        var outcome = await SkillHarness.RunAsync(source, "Run", SkillHarness.FastLimits with { Timeout = TimeSpan.FromSeconds(30) }, new KernelArguments { ["input"] = "bb a" });

        Assert.True(outcome.Value == "a=1;bb=2;![\"a\",\"bb\"]", $"{outcome.Status} {outcome.Value} {outcome.Error}");
    }
}
