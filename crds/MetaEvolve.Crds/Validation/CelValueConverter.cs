using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// Turns JSON into the values the Cel package can select fields from: objects and maps as
/// <c>Dictionary&lt;string, object?&gt;</c>, lists as <c>List&lt;object?&gt;</c>, integers as
/// <c>long</c> and numbers as <c>double</c>, typed by the schema as Kubernetes types them
/// (a <c>type: number</c> field is a double even when it holds 1).
/// </summary>
internal static class CelValueConverter
{
    public static object? ToCel(JsonNode? node, SchemaNode? schema)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var map = new Dictionary<string, object?>(obj.Count, StringComparer.Ordinal);
                foreach (var (key, value) in obj)
                {
                    map[key] = ToCel(value, schema?.ForKey(key));
                }

                return map;
            case JsonArray array:
                var list = new List<object?>(array.Count);
                foreach (var item in array)
                {
                    list.Add(ToCel(item, schema?.Items));
                }

                return list;
            case JsonValue value:
                return value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number when schema?.Type != "number" && JsonNumber.TryGetInteger(value, out var integer) => integer,
                    JsonValueKind.Number => JsonNumber.GetDouble(value),
                    _ => null,
                };
            default:
                return null;
        }
    }
}
