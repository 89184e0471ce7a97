using MetaEvolve.Core.Skills;

namespace MetaEvolve.Core.Tests.Skills;

/// <summary>Escape attempts the policy must reject before anything runs, each with the position it points at.</summary>
public sealed class SandboxRejectionTests
{
    private static string Skill(string body, string usings = "") => usings + "\npublic sealed class S\n{\n    [KernelFunction]\n    public string Run()\n    {\n" + body + "\n    }\n}\n";

    public static TheoryData<string, string, string, int> Escapes => new()
    {
        // name, source, expected code, expected line (the body starts on line 7 with Skill(...)).
        { "file system", Skill("        return System.IO.File.ReadAllText(\"/etc/passwd\");"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "network", Skill("        using var c = new System.Net.Http.HttpClient(); return c.GetStringAsync(\"http://x\").Result;"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "process", Skill("        System.Diagnostics.Process.Start(\"sh\"); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "environment", Skill("        return Environment.GetEnvironmentVariable(\"HOME\") ?? \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "typeof assembly", Skill("        return typeof(string).Assembly.FullName!;"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Type.GetType", Skill("        return Type.GetType(\"System.IO.File\")!.Name;"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "GetType().GetMethod", Skill("        return \"x\".GetType().ToString();"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Activator", Skill("        return Activator.CreateInstance<object>().ToString()!;"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "dynamic", Skill("        dynamic d = \"x\"; return d.ToUpper();"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "unsafe pointers", Skill("        unsafe { int x = 1; int* p = &x; return (*p).ToString(); }"), SkillDiagnosticCodes.ConstructNotAllowed, 7 },
        { "stackalloc", Skill("        Span<byte> s = stackalloc byte[100000000]; return s.Length.ToString();"), SkillDiagnosticCodes.ConstructNotAllowed, 7 },
        { "DllImport", "using System.Runtime.InteropServices;\npublic static class S\n{\n    [DllImport(\"libc\")] public static extern int getpid();\n    [KernelFunction] public static string Run() => getpid().ToString();\n}\n", SkillDiagnosticCodes.SymbolNotAllowed, 4 },
        { "Marshal", Skill("        return System.Runtime.InteropServices.Marshal.AllocHGlobal(10).ToString();"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Thread", Skill("        new System.Threading.Thread(() => { while (true) { } }).Start(); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Task.Run", Skill("        Task.Run(() => { while (true) { } }); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Task.Delay", Skill("        Task.Delay(100000).Wait(); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Timer", Skill("        var t = new System.Threading.Timer(_ => { }, null, 0, 1); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "ThreadPool", Skill("        System.Threading.ThreadPool.QueueUserWorkItem(_ => { }); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Parallel", Skill("        System.Threading.Tasks.Parallel.For(0, 10, i => { }); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "PLINQ", Skill("        return Enumerable.Range(0, 10).AsParallel().Sum().ToString();"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "AssemblyLoadContext", Skill("        return System.Runtime.Loader.AssemblyLoadContext.Default.Name!;"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Assembly.Load", Skill("        return System.Reflection.Assembly.Load(\"System.IO\").FullName!;"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "using alias", "using F = System.IO.File;\npublic sealed class S { [KernelFunction] public string Run() => \"x\"; }\n", SkillDiagnosticCodes.SymbolNotAllowed, 1 },
        { "global::", Skill("        return global::System.IO.File.ReadAllText(\"/etc/passwd\");"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "using static", "using static System.IO.File;\npublic sealed class S { [KernelFunction] public string Run() => ReadAllText(\"/etc/passwd\"); }\n", SkillDiagnosticCodes.SymbolNotAllowed, 1 },
        { "var hides the type", Skill("        var info = new System.IO.DirectoryInfo(\"/\"); return info.Name;"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "extension method on allowed type", Skill("        return \"x\".AsSpan().ToString() + System.IO.Path.GetTempPath();"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "ModuleInitializer", "public static class S\n{\n    [System.Runtime.CompilerServices.ModuleInitializer] public static void Init() { }\n    [KernelFunction] public static string Run() => \"x\";\n}\n", SkillDiagnosticCodes.SymbolNotAllowed, 3 },
        { "impersonated ModuleInitializerAttribute", "namespace System.Runtime.CompilerServices { public sealed class ModuleInitializerAttribute : Attribute { } }\npublic static class S { [KernelFunction] public static string Run() => \"x\"; }\n", SkillDiagnosticCodes.ReservedNamespace, 1 },
        { "assembly attribute", "[assembly: System.Reflection.AssemblyTitle(\"x\")]\npublic static class S { [KernelFunction] public static string Run() => \"x\"; }\n", SkillDiagnosticCodes.ConstructNotAllowed, 1 },
        { "static constructor", "public sealed class S\n{\n    static S() { }\n    [KernelFunction] public string Run() => \"x\";\n}\n", SkillDiagnosticCodes.StateNotAllowed, 3 },
        { "finalizer", "public sealed class S\n{\n    ~S() { while (true) { } }\n    [KernelFunction] public string Run() => \"x\";\n}\n", SkillDiagnosticCodes.StateNotAllowed, 3 },
        { "mutable static field", "public sealed class S\n{\n    private static int calls;\n    [KernelFunction] public string Run() => (calls++).ToString();\n}\n", SkillDiagnosticCodes.StateNotAllowed, 3 },
        { "catch-all", Skill("        try { return \"x\"; } catch { return \"y\"; }"), SkillDiagnosticCodes.CatchNotAllowed, 7 },
        { "catch Exception", Skill("        try { return \"x\"; } catch (Exception) { return \"y\"; }"), SkillDiagnosticCodes.CatchNotAllowed, 7 },
        { "catch AggregateException", Skill("        try { return \"x\"; } catch (AggregateException) { return \"y\"; }"), SkillDiagnosticCodes.CatchNotAllowed, 7 },
        { "GC", Skill("        GC.Collect(); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Console", Skill("        return Console.ReadLine() ?? \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Regex without timeout", Skill("        return System.Text.RegularExpressions.Regex.IsMatch(\"aaaa\", \"(a+)+$\").ToString();"), SkillDiagnosticCodes.RegexWithoutTimeout, 7 },
        { "new Regex without timeout", Skill("        return new System.Text.RegularExpressions.Regex(\"a\").IsMatch(\"a\").ToString();"), SkillDiagnosticCodes.RegexWithoutTimeout, 7 },
        { "Delegate.DynamicInvoke", Skill("        Func<string> f = () => \"x\"; return (string)f.DynamicInvoke()!;"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Expression compile", Skill("        System.Linq.Expressions.Expression<Func<int>> e = () => 1; return e.Compile()().ToString();"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Queryable", Skill("        return new[] { 1 }.AsQueryable().Count().ToString();"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "lock", Skill("        lock (this) { return \"x\"; }"), SkillDiagnosticCodes.ConstructNotAllowed, 7 },
        { "__arglist", "public sealed class S\n{\n    static int V(__arglist) => 0;\n    [KernelFunction] public string Run() => V(__arglist(1)).ToString();\n}\n", SkillDiagnosticCodes.ConstructNotAllowed, 3 },
        { "#line directive", "#line 200 \"other.cs\"\npublic sealed class S { [KernelFunction] public string Run() => \"x\"; }\n", SkillDiagnosticCodes.ConstructNotAllowed, 1 },
        { "culture setter", Skill("        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture; return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Kernel parameter", "public sealed class S { [KernelFunction] public string Run(Kernel kernel) => kernel.Plugins.Count.ToString(); }\n", SkillDiagnosticCodes.SymbolNotAllowed, 1 },
        { "generic type argument", Skill("        var list = new List<System.IO.FileInfo>(); return list.Count.ToString();"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "base type", "public sealed class S : System.IO.MemoryStream { [KernelFunction] public string Run() => \"x\"; }\n", SkillDiagnosticCodes.SymbolNotAllowed, 1 },
        { "user-defined conversion to denied type", Skill("        System.Threading.CancellationTokenSource c = new(); c.CancelAfter(1); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "nameof is fine but typeof is not", Skill("        var n = nameof(System.IO.File); return n + typeof(int).Name;"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "JSON with Type argument", Skill("        return System.Text.Json.JsonSerializer.Serialize(1, typeof(int));"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "Unsafe accessor via extern", "public static class S\n{\n    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.StaticMethod, Name = \"x\")] static extern int X(string s);\n    [KernelFunction] public static string Run() => \"x\";\n}\n", SkillDiagnosticCodes.SymbolNotAllowed, 3 },
        { "CancellationToken.Register", Skill("        CancellationToken.None.Register(() => { }); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "ContinueWith", Skill("        Task.CompletedTask.ContinueWith(_ => { }); return \"\";"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
        { "struct too large for the stack", "public struct P<T> { public T A; public T B; }\npublic sealed class S\n{\n    [KernelFunction] public string Run() { var p = new P<P<P<P<P<P<P<P<P<P<P<long>>>>>>>>>>>(); return p.A.ToString()!; }\n}\n", SkillDiagnosticCodes.StackTooLarge, 4 },
        { "frame too large", "public struct K { public long A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, B0, B1, B2, B3, B4, B5, B6, B7, B8, B9, C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, D0, D1; }\npublic struct M { public K A, B, C, D, E, F, G, H, I, J, L, N, O, Q, R, T; }\npublic sealed class S\n{\n    [KernelFunction] public string Run() { M a = default, b = default, c = default, d = default, e = default, f = default, g = default, h = default, i = default, j = default; return a.A.A0.ToString(); }\n}\n", SkillDiagnosticCodes.StackTooLarge, 5 },
        { "growable static readonly collection", "public sealed class S\n{\n    private static readonly List<string> Seen = new();\n    [KernelFunction] public string Run(string x) { Seen.Add(x); return Seen.Count.ToString(); }\n}\n", SkillDiagnosticCodes.StateNotAllowed, 3 },
        { "growable field of the shared plugin object", "public sealed class S\n{\n    private readonly StringBuilder log = new();\n    [KernelFunction] public string Run(string x) => log.Append(x).ToString();\n}\n", SkillDiagnosticCodes.StateNotAllowed, 3 },
        { "mutable field of the shared plugin object", "public sealed class S\n{\n    private int calls;\n    [KernelFunction] public string Run() => (++calls).ToString();\n}\n", SkillDiagnosticCodes.StateNotAllowed, 3 },
        { "growable skill type in a static", "public sealed class Box { public List<int> Items { get; } = new(); }\npublic sealed class S\n{\n    private static readonly Box Cache = new();\n    [KernelFunction] public string Run() => Cache.Items.Count.ToString();\n}\n", SkillDiagnosticCodes.StateNotAllowed, 4 },
        { "string.Intern", Skill("        return string.Intern(\"x\");"), SkillDiagnosticCodes.SymbolNotAllowed, 7 },
    };

    [Fact]
    public void State_that_cannot_grow_may_outlive_a_call()
    {
        const string source = """
            using System.Text.RegularExpressions;
            public sealed record Settings(string Name, int Limit);
            public sealed class S
            {
                private const int Max = 3;
                private static readonly string[] StopWords = ["a", "the"];
                private static readonly Regex Word = new(@"\w+", RegexOptions.None, TimeSpan.FromMilliseconds(50));
                private static readonly Settings Defaults = new("x", Max);
                private readonly TimeSpan window = TimeSpan.FromSeconds(1);
                [KernelFunction] public string Run(string text) =>
                    string.Join(",", Word.Matches(text).Select(m => m.Value).Where(w => !StopWords.Contains(w)).Take(Defaults.Limit)) + window;
            }
            """;

        var compilation = SkillHarness.Compile(source);

        Assert.True(compilation.Succeeded, string.Join(Environment.NewLine, compilation.Diagnostics));
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Escape_attempt_is_rejected_with_its_position(string name, string source, string code, int line)
    {
        var compilation = SkillHarness.Compile(source);

        Assert.False(compilation.Succeeded, $"{name}: expected a rejection");
        Assert.Contains(compilation.Diagnostics, d => d.Code == code && d.Line == line && d.Column >= 1);
    }

    [Fact]
    public void Rejection_names_the_symbol_and_the_capability()
    {
        var compilation = SkillHarness.Compile(Skill("        return System.IO.File.ReadAllText(\"/etc/passwd\");"));

        var diagnostic = Assert.Single(compilation.Diagnostics);
        Assert.Equal(new SkillDiagnostic("Error", SkillDiagnosticCodes.SymbolNotAllowed, 7, 16,
            "'System.IO.File.ReadAllText(string)' is not allowed in skills (file system)"), diagnostic);
    }

    [Fact]
    public void Compile_errors_carry_roslyn_ids_and_positions()
    {
        var compilation = SkillHarness.Compile(Skill("        return undefinedName;"));

        Assert.Contains(compilation.Diagnostics, d => d is { Code: "CS0103", Line: 7, Column: 16 });
    }

    [Fact]
    public void Allowed_code_compiles()
    {
        const string source = """
            using System.Text.Json;
            using System.Text.RegularExpressions;
            public sealed record Item(string Name, int Count);
            public sealed class S
            {
                private static readonly Regex Words = new(@"\w+", RegexOptions.None, TimeSpan.FromMilliseconds(100));
                [KernelFunction, Description("Everything a skill may do")]
                public async Task<string> Run(string input)
                {
                    var sb = new StringBuilder();
                    var items = Words.Matches(input).Select(m => new Item(m.Value, m.Length)).OrderBy(i => i.Name).ToList();
                    var map = new Dictionary<string, int>();
                    foreach (var (name, count) in items) { map[name] = count; }
                    var json = JsonSerializer.Serialize(items);
                    var node = System.Text.Json.Nodes.JsonNode.Parse(json);
                    try { sb.Append(int.Parse("x")); } catch (FormatException) { sb.Append('!'); }
                    sb.Append($"{DateTime.UtcNow:yyyy}-{TimeSpan.FromSeconds(1)}-{Math.Max(1, 2)}-{nameof(System.IO.File)}");
                    var q = from i in items where i.Count > 1 select i.Name;
                    await Task.CompletedTask;
                    return sb.ToString() + node!.ToJsonString() + string.Join(",", q) + map.Count;
                }
            }
            """;

        var compilation = SkillHarness.Compile(source);

        Assert.True(compilation.Succeeded, string.Join(Environment.NewLine, compilation.Diagnostics));
        Assert.Equal([new SkillFunctionInfo("Run", "Everything a skill may do", ["input"])], compilation.Functions);
    }
}
