using System.Text;

namespace MetaEvolve.DevCluster.Http;

/// <summary>One field's value: a varint or fixed-width number, or the bytes of a length-delimited field.</summary>
public readonly record struct WireValue(ulong Number, ReadOnlyMemory<byte> Bytes)
{
    public string Text => Encoding.UTF8.GetString(Bytes.Span);
}

/// <summary>
/// The protobuf wire format, as far as the decoders here need it: the fields of one message, in order. Enough for the
/// dev control plane's Kubernetes bodies and the tests' OTLP receiver; no schema, no generated types.
/// </summary>
public static class ProtobufWire
{
    /// <summary>The fields of one message: varints (wire type 0), fixed64 (1) and fixed32 (5) as numbers, length-delimited (2) as bytes.</summary>
    /// <exception cref="FormatException">The message is truncated or uses a wire type protobuf 3 no longer has.</exception>
    public static List<(int Field, WireValue Value)> Fields(ReadOnlyMemory<byte> message)
    {
        var fields = new List<(int, WireValue)>();
        var span = message.Span;
        var i = 0;
        while (i < span.Length)
        {
            var tag = ReadVarint(span, ref i);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    fields.Add((field, new WireValue(ReadVarint(span, ref i), default)));
                    break;
                case 1:
                    fields.Add((field, new WireValue(BitConverter.ToUInt64(Take(span, ref i, 8)), default)));
                    break;
                case 2:
                    var length = (int)ReadVarint(span, ref i);
                    if (length < 0 || i + length > span.Length)
                    {
                        throw new FormatException("truncated protobuf message");
                    }

                    fields.Add((field, new WireValue(0, message.Slice(i, length))));
                    i += length;
                    break;
                case 5:
                    fields.Add((field, new WireValue(BitConverter.ToUInt32(Take(span, ref i, 4)), default)));
                    break;
                default:
                    throw new FormatException("unsupported protobuf wire type");
            }
        }

        return fields;
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> span, ref int i, int count)
    {
        if (i + count > span.Length)
        {
            throw new FormatException("truncated protobuf message");
        }

        var taken = span.Slice(i, count);
        i += count;
        return taken;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int i)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (i >= span.Length)
            {
                throw new FormatException("truncated protobuf varint");
            }

            var b = span[i++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("protobuf varint too long");
    }
}
