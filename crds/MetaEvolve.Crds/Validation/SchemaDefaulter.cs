using System.Text.Json.Nodes;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// Applies schema defaults the way the API server does before validating: a missing field (or a null
/// in a non-nullable one) gets a copy of its default, then defaulting descends into it, so a parent
/// defaulted to <c>{}</c> receives its children's defaults. Nulls in non-nullable fields without a
/// default are dropped first, as Kubernetes does.
/// </summary>
internal static class SchemaDefaulter
{
    public static void Apply(JsonObject root, SchemaNode schema) => ApplyObject(root, schema, isResource: true);

    private static void Apply(JsonNode? node, SchemaNode? schema)
    {
        if (schema is null)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                ApplyObject(obj, schema, schema.EmbeddedResource);
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Apply(item, schema.Items);
                }

                break;
            default:
                break;
        }
    }

    private static void ApplyObject(JsonObject obj, SchemaNode schema, bool isResource)
    {
        foreach (var (key, value) in obj.ToList())
        {
            if (value is null && !(isResource && ResourceFields.IsImplicit(key, schema))
                && schema.ForKey(key) is { Nullable: false, Default: null })
            {
                obj.Remove(key);
            }
        }

        foreach (var (name, property) in schema.Properties)
        {
            if (property.Default is null || (isResource && ResourceFields.IsImplicit(name, schema)))
            {
                continue;
            }

            if (!obj.TryGetPropertyValue(name, out var current) || (current is null && !property.Nullable))
            {
                obj[name] = property.Default.DeepClone();
            }
        }

        foreach (var (key, value) in obj.ToList())
        {
            if (!(isResource && ResourceFields.IsImplicit(key, schema)))
            {
                Apply(value, schema.ForKey(key));
            }
        }
    }
}
