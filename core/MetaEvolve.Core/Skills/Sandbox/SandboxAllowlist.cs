using System.Collections.Frozen;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>
/// What skill code may use, by metadata name. Anything not listed here (or declared by the skill itself) is
/// rejected, so new framework APIs are denied until someone decides they are safe.
/// </summary>
internal static class SandboxAllowlist
{
    /// <summary>Namespaces whose every type is allowed (not their sub-namespaces), minus <see cref="DeniedTypes"/>.</summary>
    public static readonly FrozenSet<string> Namespaces = new[]
    {
        "System.Collections",
        "System.Collections.Generic",
        "System.Collections.ObjectModel",
        "System.Text.Json",
        "System.Text.Json.Nodes",
        "System.Text.RegularExpressions",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Types allowed one by one (metadata names of generic definitions).</summary>
    public static readonly FrozenSet<string> Types = new[]
    {
        // Primitives and the core value types.
        "System.Object", "System.ValueType", "System.Enum", "System.Void", "System.String", "System.Boolean", "System.Char",
        "System.Byte", "System.SByte", "System.Int16", "System.UInt16", "System.Int32", "System.UInt32", "System.Int64",
        "System.UInt64", "System.Int128", "System.UInt128", "System.Single", "System.Double", "System.Decimal", "System.Half",
        "System.Nullable", "System.Nullable`1", "System.Math", "System.MathF", "System.MidpointRounding", "System.Convert",
        "System.BitConverter", "System.HashCode", "System.Guid", "System.Random", "System.Index", "System.Range",
        "System.StringComparison", "System.StringComparer", "System.StringSplitOptions", "System.CharEnumerator",
        "System.StringNormalizationExtensions", "System.Version",
        "System.Span`1", "System.ReadOnlySpan`1", "System.Memory`1", "System.ReadOnlyMemory`1", "System.ArraySegment`1",
        "System.MemoryExtensions", "System.Array", "System.FormattableString",
        // Dates and times (reading the clock is fine; timers are not).
        "System.DateTime", "System.DateTimeOffset", "System.TimeSpan", "System.DateOnly", "System.TimeOnly",
        "System.DayOfWeek", "System.DateTimeKind",
        // Interfaces the compiler and collections need.
        "System.IComparable", "System.IComparable`1", "System.IEquatable`1", "System.IFormattable", "System.IFormatProvider",
        "System.IDisposable", "System.IAsyncDisposable", "System.ICloneable", "System.ISpanFormattable",
        // Delegates (for LINQ and callbacks); their reflective members are denied below.
        "System.Delegate", "System.MulticastDelegate", "System.Predicate`1", "System.Comparison`1", "System.Converter`2",
        "System.Action", "System.Action`1", "System.Action`2", "System.Action`3", "System.Action`4", "System.Action`5",
        "System.Action`6", "System.Action`7", "System.Action`8",
        "System.Func`1", "System.Func`2", "System.Func`3", "System.Func`4", "System.Func`5", "System.Func`6",
        "System.Func`7", "System.Func`8", "System.Func`9",
        "System.Tuple", "System.Tuple`1", "System.Tuple`2", "System.Tuple`3", "System.Tuple`4", "System.Tuple`5",
        "System.Tuple`6", "System.Tuple`7", "System.Tuple`8",
        "System.ValueTuple", "System.ValueTuple`1", "System.ValueTuple`2", "System.ValueTuple`3", "System.ValueTuple`4",
        "System.ValueTuple`5", "System.ValueTuple`6", "System.ValueTuple`7", "System.ValueTuple`8",
        // Attributes a skill may apply or derive from.
        "System.Attribute", "System.AttributeUsageAttribute", "System.AttributeTargets", "System.FlagsAttribute",
        "System.ObsoleteAttribute", "System.ComponentModel.DescriptionAttribute",
        "Microsoft.SemanticKernel.KernelFunctionAttribute",
        "System.Text.Json.Serialization.JsonPropertyNameAttribute", "System.Text.Json.Serialization.JsonIgnoreAttribute",
        "System.Text.Json.Serialization.JsonIgnoreCondition", "System.Text.Json.Serialization.JsonPropertyOrderAttribute",
        "System.Text.Json.Serialization.JsonRequiredAttribute",
        // Exceptions a skill may throw or (except the two bases) catch.
        "System.Exception", "System.SystemException", "System.ArgumentException", "System.ArgumentNullException",
        "System.ArgumentOutOfRangeException", "System.ArithmeticException", "System.DivideByZeroException",
        "System.FormatException", "System.IndexOutOfRangeException", "System.InvalidCastException",
        "System.InvalidOperationException", "System.NotImplementedException", "System.NotSupportedException",
        "System.NullReferenceException", "System.OverflowException", "System.TimeoutException",
        "System.OperationCanceledException", "System.ObjectDisposedException",
        // Text and culture-invariant formatting.
        "System.Text.StringBuilder", "System.Text.StringBuilder+ChunkEnumerator",
        "System.Text.StringBuilder+AppendInterpolatedStringHandler", "System.Text.Rune",
        "System.Text.NormalizationForm", "System.Text.Encoding", "System.Text.UTF8Encoding",
        "System.Globalization.CultureInfo", "System.Globalization.NumberStyles", "System.Globalization.DateTimeStyles",
        "System.Globalization.CompareOptions", "System.Globalization.NumberFormatInfo",
        "System.Globalization.DateTimeFormatInfo", "System.Globalization.TextInfo", "System.Globalization.CompareInfo",
        "System.Globalization.UnicodeCategory",
        // LINQ to objects only: no Queryable (expression compilation) and no PLINQ (threads).
        "System.Linq.Enumerable", "System.Linq.IGrouping`2", "System.Linq.ILookup`2", "System.Linq.Lookup`2",
        "System.Linq.IOrderedEnumerable`1",
        // Async signatures; only already-completed tasks can exist (nothing that schedules work is allowed).
        "System.Threading.Tasks.Task", "System.Threading.Tasks.Task`1", "System.Threading.Tasks.ValueTask",
        "System.Threading.Tasks.ValueTask`1", "System.Threading.CancellationToken",
        "System.Runtime.CompilerServices.TaskAwaiter", "System.Runtime.CompilerServices.TaskAwaiter`1",
        "System.Runtime.CompilerServices.ValueTaskAwaiter", "System.Runtime.CompilerServices.ValueTaskAwaiter`1",
        "System.Runtime.CompilerServices.ConfiguredTaskAwaitable", "System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1",
        "System.Runtime.CompilerServices.ConfiguredTaskAwaitable+ConfiguredTaskAwaiter",
        "System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1+ConfiguredTaskAwaiter",
        "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable",
        "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1",
        "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable+ConfiguredValueTaskAwaiter",
        "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1+ConfiguredValueTaskAwaiter",
        // Types the compiler itself binds for string interpolation.
        "System.Runtime.CompilerServices.DefaultInterpolatedStringHandler",
        "System.Runtime.CompilerServices.FormattableStringFactory",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Types inside allowed namespaces that are still denied.</summary>
    public static readonly FrozenSet<string> DeniedTypes = new[]
    {
        // Source-generated regexes need a generator and an attribute that names code to emit.
        "System.Text.RegularExpressions.GeneratedRegexAttribute",
        "System.Text.RegularExpressions.RegexCompilationInfo",
        "System.Text.RegularExpressions.RegexRunner", "System.Text.RegularExpressions.RegexRunnerFactory",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// For these types only the listed members are allowed (everything else on them is denied). Tasks may only
    /// be created completed: Run, Delay, Yield, ContinueWith, Factory would move skill code to other threads.
    /// </summary>
    public static readonly FrozenDictionary<string, FrozenSet<string>> OnlyMembers = new Dictionary<string, string[]>
    {
        ["System.Threading.Tasks.Task"] = ["CompletedTask", "FromResult", "FromException", "FromCanceled", "IsCompleted",
            "IsCompletedSuccessfully", "IsFaulted", "IsCanceled", "GetAwaiter", "ConfigureAwait", "Exception"],
        ["System.Threading.Tasks.Task`1"] = ["Result", "GetAwaiter", "ConfigureAwait", "IsCompleted", "IsCompletedSuccessfully"],
        ["System.Threading.Tasks.ValueTask"] = [".ctor", "CompletedTask", "FromResult", "FromException", "IsCompleted",
            "IsCompletedSuccessfully", "GetAwaiter", "ConfigureAwait", "AsTask"],
        ["System.Threading.Tasks.ValueTask`1"] = [".ctor", "Result", "IsCompleted", "IsCompletedSuccessfully", "GetAwaiter",
            "ConfigureAwait", "AsTask"],
        ["System.Threading.CancellationToken"] = ["None", "IsCancellationRequested", "CanBeCanceled",
            "ThrowIfCancellationRequested", "Equals", "GetHashCode"],
        ["System.Runtime.CompilerServices.TaskAwaiter"] = ["IsCompleted", "GetResult"],
        ["System.Runtime.CompilerServices.TaskAwaiter`1"] = ["IsCompleted", "GetResult"],
        ["System.Runtime.CompilerServices.ValueTaskAwaiter"] = ["IsCompleted", "GetResult"],
        ["System.Runtime.CompilerServices.ValueTaskAwaiter`1"] = ["IsCompleted", "GetResult"],
        ["System.Runtime.CompilerServices.ConfiguredTaskAwaitable"] = ["GetAwaiter"],
        ["System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1"] = ["GetAwaiter"],
        ["System.Runtime.CompilerServices.ConfiguredTaskAwaitable+ConfiguredTaskAwaiter"] = ["IsCompleted", "GetResult"],
        ["System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1+ConfiguredTaskAwaiter"] = ["IsCompleted", "GetResult"],
        ["System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable"] = ["GetAwaiter"],
        ["System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1"] = ["GetAwaiter"],
        ["System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable+ConfiguredValueTaskAwaiter"] = ["IsCompleted", "GetResult"],
        ["System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1+ConfiguredValueTaskAwaiter"] = ["IsCompleted", "GetResult"],
        ["System.Text.Encoding"] = ["UTF8", "ASCII", "Unicode", "UTF32", "Latin1", "GetBytes", "GetString", "GetByteCount",
            "GetCharCount", "GetChars", "GetMaxByteCount", "GetMaxCharCount", "WebName", "EncodingName"],
    }.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Members denied on otherwise allowed types: late binding and reflection handles.</summary>
    public static readonly FrozenDictionary<string, FrozenSet<string>> DeniedMembers = new Dictionary<string, string[]>
    {
        ["System.Object"] = ["GetType"],
        ["System.String"] = ["Intern", "IsInterned"],
        ["System.Delegate"] = ["DynamicInvoke", "Method", "Target", "CreateDelegate", "GetMethodInfo"],
        ["System.MulticastDelegate"] = ["DynamicInvoke", "Method", "Target"],
        ["System.Exception"] = ["TargetSite"],
        ["System.Array"] = ["CreateInstance", "CreateInstanceFromArrayType"],
        ["System.Text.RegularExpressions.Regex"] = ["CompileToAssembly", "CacheSize"],
        ["System.Globalization.CultureInfo"] = ["CurrentCulture", "CurrentUICulture", "DefaultThreadCurrentCulture",
            "DefaultThreadCurrentUICulture"],
    }.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Regex members that run a match and therefore must be given an explicit timeout.</summary>
    public static readonly FrozenSet<string> RegexMatchingMembers = new[]
    {
        ".ctor", "IsMatch", "Match", "Matches", "Replace", "Split", "Count", "EnumerateMatches", "EnumerateSplits",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Exception types a catch clause may not name: the bases of the sandbox's own stop exceptions.</summary>
    public static readonly FrozenSet<string> UncatchableTypes = new[]
    {
        "System.Exception", "System.SystemException", "System.AggregateException", "System.TypeInitializationException",
        "System.Reflection.TargetInvocationException",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Namespaces a skill may not declare types in (it could otherwise impersonate well-known types).</summary>
    public static readonly string[] ReservedNamespaces = ["System", "Microsoft", "MetaEvolve", "Internal", "Windows"];
}
