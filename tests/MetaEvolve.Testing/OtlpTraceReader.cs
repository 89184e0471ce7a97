using System.Text;

namespace MetaEvolve.Testing;

/// <summary>
/// Reads the spans out of an OTLP <c>ExportTraceServiceRequest</c> (protobuf, as OTLP/HTTP posts it to <c>/v1/traces</c>),
/// walking the wire format for the few fields a test looks at: resource_spans(1) → scope_spans(2) → spans(2) with
/// trace_id(1), span_id(2), parent_span_id(4), name(5) and attributes(9). Everything else is skipped.
/// </summary>
public static class OtlpTraceReader
{
    public static IReadOnlyList<OtlpSpan> Read(byte[] request)
    {
        var spans = new List<OtlpSpan>();
        foreach (var resourceSpans in Fields(request, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    spans.Add(Span(span));
                }
            }
        }

        return spans;
    }

    private static OtlpSpan Span(byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var attributes = new Dictionary<string, object>();
        foreach (var (number, value) in Each(span))
        {
            switch (number)
            {
                case 1: traceId = Convert.ToHexStringLower((byte[])value); break;
                case 2: spanId = Convert.ToHexStringLower((byte[])value); break;
                case 4: parent = Convert.ToHexStringLower((byte[])value); break;
                case 5: name = Encoding.UTF8.GetString((byte[])value); break;
                case 9:
                    var keyValue = (byte[])value;
                    var key = Encoding.UTF8.GetString(Fields(keyValue, 1).Single());
                    if (Fields(keyValue, 2).SingleOrDefault() is { } any && AnyValue(any) is { } read)
                    {
                        attributes[key] = read;
                    }

                    break;
            }
        }

        return new OtlpSpan(traceId, spanId, parent, name, attributes);
    }

    /// <summary>AnyValue: string(1), bool(2), int(3), double(4), array(5) of AnyValue(1).</summary>
    private static object? AnyValue(byte[] any)
    {
        foreach (var (number, value) in Each(any))
        {
            return number switch
            {
                1 => Encoding.UTF8.GetString((byte[])value),
                2 => (ulong)value != 0,
                3 => (long)(ulong)value,
                4 => BitConverter.Int64BitsToDouble((long)(ulong)value),
                5 => Fields((byte[])value, 1).Select(AnyValue).ToArray(),
                _ => null,
            };
        }

        return null;
    }

    private static IEnumerable<byte[]> Fields(byte[] message, int wanted) =>
        Each(message).Where(field => field.Number == wanted && field.Value is byte[]).Select(field => (byte[])field.Value);

    /// <summary>Each field of a message: varints and fixed values as ulong, length-delimited ones as bytes.</summary>
    private static List<(int Number, object Value)> Each(byte[] message)
    {
        var fields = new List<(int, object)>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    fields.Add((number, Varint(message, ref position)));
                    break;
                case 1:
                    fields.Add((number, BitConverter.ToUInt64(message, position)));
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    fields.Add((number, message[position..(position + length)]));
                    position += length;
                    break;
                case 5:
                    fields.Add((number, (ulong)BitConverter.ToUInt32(message, position)));
                    position += 4;
                    break;
                default:
                    throw new FormatException($"protobuf wire type {tag & 7} at byte {position} is not supported");
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}
