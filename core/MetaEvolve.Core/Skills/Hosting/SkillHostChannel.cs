using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>
/// The wire between pool and host: each message is a 4-byte little-endian length and that many bytes of JSON.
/// A length over the reader's limit is refused before a byte of the body is read.
/// </summary>
internal static class SkillHostChannel
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async ValueTask WriteAsync<T>(Stream stream, T message, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(message, Json);
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        await stream.WriteAsync(frame, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    public static void Write<T>(Stream stream, T message)
    {
        // One write per message: a pipe write is a system call, and the reader wakes once.
        var body = JsonSerializer.SerializeToUtf8Bytes(message, Json);
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        stream.Write(frame);
        stream.Flush();
    }

    /// <returns>The message, or null when the other side closed the channel.</returns>
    /// <exception cref="SkillHostFrameTooLargeException">The announced length exceeds <paramref name="maxBytes"/>.</exception>
    public static async ValueTask<T?> ReadAsync<T>(Stream stream, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        var header = new byte[4];
        if (await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, cancellationToken) < 4)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0 || length > maxBytes)
        {
            throw new SkillHostFrameTooLargeException(length, maxBytes);
        }

        var body = new byte[length];
        if (await stream.ReadAtLeastAsync(body, length, throwOnEndOfStream: false, cancellationToken) < length)
        {
            return null;
        }

        return JsonSerializer.Deserialize<T>(body, Json);
    }

    public static T? Read<T>(Stream stream, int maxBytes)
        where T : class
    {
        Span<byte> header = stackalloc byte[4];
        if (stream.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0 || length > maxBytes)
        {
            throw new SkillHostFrameTooLargeException(length, maxBytes);
        }

        var body = new byte[length];
        return stream.ReadAtLeast(body, length, throwOnEndOfStream: false) < length ? null : JsonSerializer.Deserialize<T>(body, Json);
    }
}
