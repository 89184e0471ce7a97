using System.Text.RegularExpressions;

namespace MetaEvolve.Cli.Tests;

/// <summary>Escape attempts through the real command: each is rejected (exit 2) or stopped (exit 3).</summary>
public sealed partial class SkillTestEscapeTests
{
    private static string Body(string statements, string members = "") =>
        $"public sealed class S\n{{\n{members}\n    [KernelFunction]\n    public string Run()\n    {{\n        {statements}\n    }}\n}}";

    public static TheoryData<string, string, int, string> Escapes => new()
    {
        { "file read", Body("return System.IO.File.ReadAllText(\"/etc/passwd\");"), 2, "SBX001" },
        { "file write via alias", "using F = System.IO.File;\n" + Body("F.WriteAllText(\"/tmp/x\", \"y\"); return \"\";"), 2, "SBX001" },
        { "global:: qualified", Body("return global::System.IO.Directory.GetCurrentDirectory();"), 2, "SBX001" },
        { "HttpClient", Body("return new System.Net.Http.HttpClient().GetStringAsync(\"http://example.com\").Result;"), 2, "SBX001" },
        { "sockets", Body("using var s = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp); return \"\";"), 2, "SBX001" },
        { "Process.Start", Body("System.Diagnostics.Process.Start(\"/bin/sh\"); return \"\";"), 2, "SBX001" },
        { "environment variable", Body("return Environment.GetEnvironmentVariable(\"PATH\") ?? \"\";"), 2, "SBX001" },
        { "Environment.Exit", Body("Environment.Exit(1); return \"\";"), 2, "SBX001" },
        { "typeof(...).Assembly", Body("return typeof(string).Assembly.Location;"), 2, "SBX001" },
        { "Type.GetType", Body("return Type.GetType(\"System.IO.File\")?.FullName ?? \"\";"), 2, "SBX001" },
        { "Activator", Body("return Activator.CreateInstance(typeof(object))!.ToString()!;"), 2, "SBX001" },
        { "dynamic", Body("dynamic d = 1; return d.ToString();"), 2, "SBX001" },
        { "unsafe", Body("unsafe { var x = 1; var p = &x; return (*p).ToString(); }"), 2, "SBX002" },
        { "DllImport", "using System.Runtime.InteropServices;\npublic static class S\n{\n    [DllImport(\"libc\")] private static extern int getpid();\n    [KernelFunction] public static string Run() => getpid().ToString();\n}", 2, "SBX001" },
        { "Marshal", Body("return System.Runtime.InteropServices.Marshal.SizeOf<int>().ToString();"), 2, "SBX001" },
        { "Thread", Body("new System.Threading.Thread(() => { }).Start(); return \"\";"), 2, "SBX001" },
        { "Task.Run", Body("return Task.Run(() => \"x\").Result;"), 2, "SBX001" },
        { "Timer", Body("_ = new System.Threading.Timer(_ => { }, null, 0, 10); return \"\";"), 2, "SBX001" },
        { "ThreadPool", Body("System.Threading.ThreadPool.QueueUserWorkItem(_ => { }); return \"\";"), 2, "SBX001" },
        { "AssemblyLoadContext", Body("return new System.Runtime.Loader.AssemblyLoadContext(\"x\").Name ?? \"\";"), 2, "SBX001" },
        { "Assembly.Load", Body("return System.Reflection.Assembly.Load(\"System.IO\").FullName ?? \"\";"), 2, "SBX001" },
        { "ModuleInitializer", "public static class S\n{\n    [System.Runtime.CompilerServices.ModuleInitializer] internal static void Init() { }\n    [KernelFunction] public static string Run() => \"\";\n}", 2, "SBX001" },
        { "static constructor", "public sealed class S\n{\n    static S() { }\n    [KernelFunction] public string Run() => \"\";\n}", 2, "SBX005" },
        { "catch-all swallowing the stop", Body("while (true) { try { while (true) { } } catch { } }"), 2, "SBX003" },
        { "catch Exception", Body("try { return \"\"; } catch (Exception e) { return e.Message; }"), 2, "SBX003" },
        { "GC.Collect", Body("GC.Collect(); return \"\";"), 2, "SBX001" },
        { "Console.ReadLine", Body("return Console.ReadLine() ?? \"\";"), 2, "SBX001" },
        { "Regex without timeout", Body("return System.Text.RegularExpressions.Regex.Replace(\"a\", \"a\", \"b\");"), 2, "SBX004" },
        { "reflection via GetType", Body("return 1.GetType().Name;"), 2, "SBX001" },
        { "stackalloc", Body("Span<int> s = stackalloc int[1 << 28]; return \"\";"), 2, "SBX002" },
        { "infinite loop", Body("while (true) { }"), 3, "time limit" },
        { "deep recursion", Body("return Deep(1).ToString();", "    private static int Deep(int n) => Deep(n + 1) + 1;"), 3, "recursion" },
        { "allocation bomb", Body("var l = new List<byte[]>(); while (true) { l.Add(new byte[1 << 20]); }"), 3, "allocated" },
        { "huge single allocation", Body("return new long[int.MaxValue].Length.ToString();"), 3, "array" },
        // Found by trying (issue #16): the policy passes each, the skill host stops it, or a later rule rejects it.
        { "framework hash over a deep tuple graph", Body("object x = 0; for (int i = 0; i < 64; i++) x = Tuple.Create(x, x); return x.GetHashCode().ToString();"), 3, "timeout" },
        { "stack overflow inside the framework", Body("object x = 0; for (int i = 0; i < 1_000_000; i++) x = Tuple.Create(x, 0); return x.GetHashCode().ToString();"), 3, "crashed" },
        { "regex through a method group", "using System.Text.RegularExpressions;\n" + Body("Func<string, string, RegexOptions, TimeSpan, bool> m = Regex.IsMatch; return m(new string('a', 40) + \"!\", \"^(a+)+$\", RegexOptions.None, Regex.InfiniteMatchTimeout).ToString();"), 2, "SBX004" },
        { "a type shadowing the injected guard", "public static class MetaEvolve { public static class Core { public static class Skills { public static class Sandbox { public static class SkillGuard { public static void Check() { } } } } } }\n" + Body("while (true) { }"), 2, "SBX006" },
        { "huge field initializer", Body("return _b.Length.ToString();", "    private readonly long[] _b = Enumerable.Repeat(0L, 300_000_000).ToArray();"), 3, "out of memory" },
        { "static array written per call", Body("Seen[0] = \"x\"; return Seen[0];", "    private static readonly string[] Seen = new string[16];"), 2, "SBX005" },
        { "narrow catch does not swallow the stop", Body("while (true) { try { while (true) { } } catch (InvalidOperationException) { } }"), 3, "time limit" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task Escape_attempt_is_rejected_or_stopped(string name, string source, int exitCode, string evidence)
    {
        var file = CliRun.WriteCSharpSkill(source);
        try
        {
            // Only the time-limit cases get a short clock, so a busy machine cannot turn the others into timeouts.
            var timeout = evidence is "time limit" or "timeout" ? "500" : "20000";
            var run = await CliRun.SkillTestAsync(file, "--timeout-ms", timeout, "--max-alloc-mb", "64");

            Assert.True(run.ExitCode == exitCode, $"{name}: exit {run.ExitCode}\n{string.Join('\n', run.Lines)}{run.Error}");
            if (exitCode == 2)
            {
                // The contract line, positioned inside the YAML file (the source starts on line 9, indented 6).
                var first = run.Lines[0];
                var match = DiagnosticLine().Match(first);
                Assert.True(match.Success, first);
                Assert.Equal(file, match.Groups["file"].Value);
                Assert.True(int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 9, first);
                Assert.True(int.Parse(match.Groups["column"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 7, first);
                Assert.Contains(run.Lines, l => l.Contains($"error {evidence}:", StringComparison.Ordinal));
            }
            else
            {
                Assert.Contains(run.Lines, l => l.StartsWith("STOP ", StringComparison.Ordinal) && l.Contains(evidence, StringComparison.OrdinalIgnoreCase));
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [GeneratedRegex(@"^(?<file>.+):(?<line>\d+):(?<column>\d+): error (?<code>[A-Z]+\d+): .+$")]
    private static partial Regex DiagnosticLine();
}
