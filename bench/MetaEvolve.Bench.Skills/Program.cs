using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using MetaEvolve.Bench.Skills;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.SemanticKernel;

// Stopwatch harness for the skills engine. Prints exactly six lines on stdout (invariant culture);
// details on how each figure was taken go to stderr.
MetaEvolve.Bench.BenchStop.Install();
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
const string Text = "the quick brown fox jumps over the lazy dog";

// skills.compile.cold: compiling a digest nobody compiled yet (policy + instrumentation + emit), with a warm
// compiler, as a worker does for each new skill version. Distinct sources, so nothing is cached.
var compiler = new CSharpSkillCompiler();
var firstInProcess = Time(() => compiler.Compile(Variant(0), "bench_warm", CancellationToken.None));
var compileTimes = Enumerable.Range(1, 15).Select(i => Time(() => compiler.Compile(Variant(i), $"bench_{i}", CancellationToken.None))).ToList();
var compileCold = Median(compileTimes);
Console.Error.WriteLine($"# compile: first in process {firstInProcess:0.0} ms (JIT of Roslyn included); median of {compileTimes.Count} fresh digests {compileCold:0.0} ms");

// skills.load.stored: a second worker's path — bytes from the store (in memory here, to time the engine and
// not the database), a new collectible context, the plugin built.
var store = new InMemorySkillAssemblyStore();
var publisher = new CSharpSkillEngine(store, new CSharpSkillCompiler());
const string Digest = "sha256:bench";
await publisher.EnsureCompiledAsync(Digest, TextStats.Source, CancellationToken.None);
var worker = new CSharpSkillEngine(store, new CSharpSkillCompiler());
for (var i = 0; i < 20; i++)
{
    (await worker.LoadAsync("text_stats", Digest, TextStats.Source, SkillCallOptions.Default, CancellationToken.None)).Skill!.Dispose();
}

var loadTimes = new List<double>();
for (var i = 0; i < 200; i++)
{
    var start = Stopwatch.GetTimestamp();
    var loaded = await worker.LoadAsync("text_stats", Digest, TextStats.Source, SkillCallOptions.Default, CancellationToken.None);
    loadTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    loaded.Skill!.Dispose();
}

var loadStored = Median(loadTimes);
Console.Error.WriteLine($"# load: median of {loadTimes.Count} loads of stored bytes; compiles by the loading worker: {worker.Compiler.Compilations}");

// skills.call.overhead: one call through the sandboxed skill (KernelFunction.InvokeAsync under limits, budget
// checks compiled in) against the same method called directly on a host object.
using var skill = (await worker.LoadAsync("text_stats", Digest, TextStats.Source, SkillCallOptions.Default, CancellationToken.None)).Skill!;

var function = skill.Plugin["WordCount"];
var kernel = new Kernel();
var arguments = new KernelArguments { ["text"] = Text };
var direct = new TextStats();
const int Calls = 20_000;
var sink = 0;
async Task<double> SandboxedAsync()
{
    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < Calls; i++)
    {
        var outcome = await SkillCallRunner.InvokeAsync(kernel, function, arguments, SkillLimits.Default, CancellationToken.None);
        sink += outcome.Value!.Length;
    }

    return Stopwatch.GetElapsedTime(start).TotalMicroseconds / Calls;
}

double Direct()
{
    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < Calls; i++)
    {
        sink += DirectCall(direct, Text);
    }

    return Stopwatch.GetElapsedTime(start).TotalMicroseconds / Calls;
}

var sandboxedRounds = new List<double>();
var directRounds = new List<double>();
for (var round = 0; round < 12; round++)
{
    sandboxedRounds.Add(await SandboxedAsync());
    directRounds.Add(Direct());
}

var callOverhead = Median(sandboxedRounds.Skip(2).ToList());
var baseline = Median(directRounds.Skip(2).ToList());
Console.Error.WriteLine($"# call: medians of 10 rounds of {Calls} calls after 2 warm-up rounds (checksum {sink})");

// Where the overhead goes: the instrumented method called through a plain delegate (budget set-up and
// checks, no Semantic Kernel) — the rest is Semantic Kernel's invocation pipeline and result handling.
var bytes = (await store.TryGetAsync(Digest, CancellationToken.None))!;
var context = new System.Runtime.Loader.AssemblyLoadContext("bench-direct", isCollectible: true);
var instrumentedType = context.LoadFromStream(new MemoryStream(bytes)).GetType("TextStats")!;
var instrumented = instrumentedType.GetMethod("WordCount")!.CreateDelegate<Func<string, int>>(Activator.CreateInstance(instrumentedType));
var instrumentedRounds = new List<double>();
for (var round = 0; round < 12; round++)
{
    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < Calls; i++)
    {
        sink += instrumented(Text);
    }

    instrumentedRounds.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / Calls);
}

context.Unload();
Console.Error.WriteLine($"# call breakdown: instrumented method through a delegate {Median(instrumentedRounds.Skip(2).ToList()):0.000} µs; the rest of {callOverhead:0.000} µs is Semantic Kernel's InvokeAsync and the runner");

// skills.host.start: a cold skill host (process start, runtime start, load of the stored bytes) to the first
// answer, each in its own pool. skills.call.overhead.host: a warm call through the pool — one frame each way over
// the host's pipes, the same sandboxed call inside the host — p50 of single calls, against the in-process
// sandboxed call measured above (the baseline: what a call cost before skills moved out of the worker).
var hostAssembly = new SkillAssembly(Digest, "text_stats", bytes);
var hostArguments = new Dictionary<string, string?> { ["text"] = Text };
var hostStarts = new List<double>();
for (var i = 0; i < 7; i++)
{
    await using var cold = new SkillHostPool(new SkillHostOptions());
    var start = Stopwatch.GetTimestamp();
    var first = await cold.CallAsync(new SkillCallRequest(hostAssembly, "WordCount", hostArguments, SkillLimits.Default, "bench"), CancellationToken.None);
    hostStarts.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    sink += first.Value!.Length;
}

var hostStart = Median(hostStarts.Skip(1).ToList());
await using var hosts = new SkillHostPool(new SkillHostOptions());
var hostCalls = new List<double>();
for (var i = 0; i < 12_000; i++)
{
    var start = Stopwatch.GetTimestamp();
    var outcome = await hosts.CallAsync(new SkillCallRequest(hostAssembly, "WordCount", hostArguments, SkillLimits.Default, "bench"), CancellationToken.None);
    var elapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    sink += outcome.Value!.Length;
    if (i >= 2_000)
    {
        hostCalls.Add(elapsed);
    }
}

var hostCall = Median(hostCalls);
Console.Error.WriteLine($"# host: start median of {hostStarts.Count - 1} cold hosts after one warm-up; call p50 of {hostCalls.Count} warm calls after 2000 warm-up, hosts started {hosts.HostsStarted}, p99 {hostCalls.Order().ElementAt(hostCalls.Count * 99 / 100):0.0} µs");

// skills.reload.memory_growth: 1,000 load/call/unload cycles of one skill version.
for (var i = 0; i < 50; i++)
{
    await CycleAsync(worker, kernel, arguments);
}

var before = Settled();
for (var i = 0; i < 1000; i++)
{
    await CycleAsync(worker, kernel, arguments);
}

// "+ 0.0" turns a rounded -0 into 0: growth can come out a hair negative when the GC compacts better.
var growth = Math.Round((Settled() - before) / (1024.0 * 1024.0), 2) + 0.0;
Console.Error.WriteLine($"# reload: GC.GetTotalMemory after full collections, before and after 1000 cycles");

Console.WriteLine(FormattableString.Invariant($"skills.compile.cold: {compileCold:0.0} ms"));
Console.WriteLine(FormattableString.Invariant($"skills.load.stored: {loadStored:0.000} ms"));
Console.WriteLine(FormattableString.Invariant($"skills.call.overhead: {callOverhead:0.000} µs (baseline {baseline:0.000} µs, ratio {callOverhead / baseline:0.0})"));
Console.WriteLine(FormattableString.Invariant($"skills.call.overhead.host: {hostCall:0.0} µs (baseline {callOverhead:0.0} µs, ratio {hostCall / callOverhead:0.0})"));
Console.WriteLine(FormattableString.Invariant($"skills.host.start: {hostStart:0.0} ms"));
Console.WriteLine(FormattableString.Invariant($"skills.reload.memory_growth: {growth:0.00} MB"));
return 0;

static string Variant(int i) => TextStats.Source.Replace("Counts the words", $"Counts the words ({i})", StringComparison.Ordinal);

static double Time(Action action)
{
    var start = Stopwatch.GetTimestamp();
    action();
    return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static long Settled()
{
    for (var i = 0; i < 5; i++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    return GC.GetTotalMemory(forceFullCollection: true);
}

[MethodImpl(MethodImplOptions.NoInlining)]
static int DirectCall(TextStats target, string text) => target.WordCount(text);

[MethodImpl(MethodImplOptions.NoInlining)]
static async Task CycleAsync(CSharpSkillEngine engine, Kernel kernel, KernelArguments arguments)
{
    using var loaded = (await engine.LoadAsync("text_stats", Digest, TextStats.Source, SkillCallOptions.Default, CancellationToken.None)).Skill!;
    await SkillCallRunner.InvokeAsync(kernel, loaded.Plugin["WordCount"], arguments, SkillLimits.Default, CancellationToken.None);
}
