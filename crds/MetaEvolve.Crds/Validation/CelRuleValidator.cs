using System.Text.Json.Nodes;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// Evaluates every <c>x-kubernetes-validations</c> rule where the schema declares it — on objects,
/// list items, map values and scalars — with <c>self</c> bound to the value there, parents before
/// children as the API server does.
/// </summary>
internal static class CelRuleValidator
{
    public static List<FieldError> Validate(JsonObject root, SchemaNode schema)
    {
        var errors = new List<FieldError>();
        Validate(root, schema, "", isResource: true, errors);
        return errors;
    }

    private static void Validate(JsonNode? node, SchemaNode schema, string path, bool isResource, List<FieldError> errors)
    {
        if (!schema.HasRules || node is null)
        {
            return;
        }

        if (schema.Rules.Count > 0)
        {
            // Root rules see apiVersion, kind and metadata too (self.metadata.name), as in Kubernetes.
            var self = CelValueConverter.ToCel(node, schema);
            foreach (var rule in schema.Rules.Where(r => !r.IsTransitionRule))
            {
                if (rule.Check(self, path, schema.TypeName) is { } error)
                {
                    errors.Add(error);
                }
            }
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (isResource && ResourceFields.IsImplicit(key, schema))
                    {
                        continue;
                    }

                    if (schema.Properties.TryGetValue(key, out var property))
                    {
                        Validate(value, property, FieldPath.Child(path, key), property.EmbeddedResource, errors);
                    }
                    else if (schema.AdditionalProperties is { } values)
                    {
                        Validate(value, values, FieldPath.Key(path, key), values.EmbeddedResource, errors);
                    }
                }

                break;
            case JsonArray array when schema.Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    Validate(array[i], items, FieldPath.Index(path, i), items.EmbeddedResource, errors);
                }

                break;
            default:
                break;
        }
    }
}
