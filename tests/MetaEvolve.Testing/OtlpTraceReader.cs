using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.Testing;

/// <summary>
/// Reads the spans out of an OTLP <c>ExportTraceServiceRequest</c> (protobuf, as OTLP/HTTP posts it to <c>/v1/traces</c>)
/// with the dev control plane's <see cref="ProtobufWire"/>, for the few fields a test looks at: resource_spans(1) →
/// scope_spans(2) → spans(2) with trace_id(1), span_id(2), parent_span_id(4), name(5) and attributes(9).
/// </summary>
public static class OtlpTraceReader
{
    public static IReadOnlyList<OtlpSpan> Read(byte[] request) =>
        [.. Messages(request, 1).SelectMany(resourceSpans => Messages(resourceSpans, 2)).SelectMany(scopeSpans => Messages(scopeSpans, 2)).Select(Span)];

    private static OtlpSpan Span(ReadOnlyMemory<byte> span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var attributes = new Dictionary<string, object>();
        foreach (var (field, value) in ProtobufWire.Fields(span))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value.Bytes.Span); break;
                case 2: spanId = Convert.ToHexStringLower(value.Bytes.Span); break;
                case 4: parent = Convert.ToHexStringLower(value.Bytes.Span); break;
                case 5: name = value.Text; break;
                case 9:
                    // KeyValue: key(1), value(2) an AnyValue.
                    var key = Messages(value.Bytes, 1).Single();
                    if (Messages(value.Bytes, 2).SingleOrDefault() is { IsEmpty: false } any && AnyValue(any) is { } read)
                    {
                        attributes[System.Text.Encoding.UTF8.GetString(key.Span)] = read;
                    }

                    break;
            }
        }

        return new OtlpSpan(traceId, spanId, parent, name, attributes);
    }

    /// <summary>AnyValue: string(1), bool(2), int(3), double(4), array(5) of AnyValue(1).</summary>
    private static object? AnyValue(ReadOnlyMemory<byte> any) => ProtobufWire.Fields(any).Select(f => f switch
    {
        (1, var v) => v.Text,
        (2, var v) => v.Number != 0,
        (3, var v) => (long)v.Number,
        (4, var v) => BitConverter.Int64BitsToDouble((long)v.Number),
        (5, var v) => Messages(v.Bytes, 1).Select(AnyValue).ToArray(),
        _ => (object?)null,
    }).FirstOrDefault();

    private static IEnumerable<ReadOnlyMemory<byte>> Messages(ReadOnlyMemory<byte> message, int field) =>
        ProtobufWire.Fields(message).Where(f => f.Field == field).Select(f => f.Value.Bytes);
}
