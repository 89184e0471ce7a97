using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// The content address of a skill version: sha256 over the normalized spec (object keys sorted, nulls
/// dropped, no insignificant whitespace), so formatting and key order in a manifest do not change it.
/// </summary>
public static class SkillDigest
{
    /// <param name="spec">The spec in its Kubernetes JSON form (camelCase names, enums as strings).</param>
    /// <returns>"sha256:" followed by 64 lowercase hex digits.</returns>
    public static string Compute(JsonNode? spec)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, spec);
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(name);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

}
