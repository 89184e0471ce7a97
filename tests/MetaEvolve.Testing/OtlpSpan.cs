namespace MetaEvolve.Testing;

/// <summary>A span as an OTLP exporter sent it: ids in hex, its name, and its attributes (strings, numbers, booleans, arrays).</summary>
public sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, object> Attributes)
{
    public object? Attribute(string key) => Attributes.GetValueOrDefault(key);
}
