using System.Text.Json.Nodes;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// Removes fields the schema does not declare, as the API server's decoder does, and reports their
/// paths (what strict field validation turns into <c>unknown field "spec.foo"</c>).
/// </summary>
internal static class UnknownFieldPruner
{
    public static List<string> Prune(JsonObject root, SchemaNode schema)
    {
        var pruned = new List<string>();
        PruneObject(root, schema, "", isResource: true, pruned);
        return pruned;
    }

    private static void Prune(JsonNode? node, SchemaNode? schema, string path, List<string> pruned)
    {
        if (schema is null)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                PruneObject(obj, schema, path, schema.EmbeddedResource, pruned);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(array[i], schema.Items, FieldPath.Index(path, i), pruned);
                }

                break;
            default:
                break;
        }
    }

    private static void PruneObject(JsonObject obj, SchemaNode schema, string path, bool isResource, List<string> pruned)
    {
        foreach (var (key, value) in obj.ToList())
        {
            if (isResource && ResourceFields.IsImplicit(key, schema))
            {
                continue;
            }

            if (schema.Properties.TryGetValue(key, out var property))
            {
                Prune(value, property, FieldPath.Child(path, key), pruned);
            }
            else if (schema.AdditionalProperties is not null)
            {
                Prune(value, schema.AdditionalProperties, FieldPath.Key(path, key), pruned);
            }
            else if (!schema.KeepsUnknownFields)
            {
                obj.Remove(key);
                pruned.Add(FieldPath.Child(path, key));
            }
        }
    }
}
