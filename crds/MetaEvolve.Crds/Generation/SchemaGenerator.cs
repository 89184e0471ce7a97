using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds.Generation;

/// <summary>
/// Builds structural OpenAPI v3 schemas from C# types: our API types by their attributes, KubernetesClient's
/// model types by their shape and upstream documentation. Every property gets a description, or generation fails.
/// </summary>
public sealed class SchemaGenerator(UpstreamDocumentation upstream)
{
    // Upstream's quantity pattern (resource.Quantity), so `kubectl apply` rejects "2 cores" the same way.
    private const string QuantityPattern =
        @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    private readonly HashSet<Type> _inProgress = [];

    /// <summary>The schema of an object type; the caller adds the description it is used with.</summary>
    public V1JSONSchemaProps ForObject(Type type)
    {
        if (!_inProgress.Add(type))
        {
            throw new InvalidOperationException($"{type.Name} refers to itself; structural schemas cannot express recursion.");
        }

        try
        {
            var schema = new V1JSONSchemaProps { Type = "object", Properties = new Dictionary<string, V1JSONSchemaProps>() };
            var required = new List<string>();
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (IsResourceEnvelope(property))
                {
                    continue;
                }

                var name = JsonName(property);
                schema.Properties[name] = ForProperty(property);
                if (property.GetCustomAttribute<RequiredAttribute>() is not null)
                {
                    required.Add(name);
                }
            }

            required.AddRange(UpstreamRequiredFields.For(type));
            if (required.Count > 0)
            {
                schema.Required = required;
            }

            AddRules(schema, type.GetCustomAttributes<CelRuleAttribute>());
            return schema;
        }
        finally
        {
            _inProgress.Remove(type);
        }
    }

    // apiVersion, kind and metadata of a resource are described by the CRD generator, not by the type.
    private static bool IsResourceEnvelope(PropertyInfo property) =>
        typeof(k8s.IKubernetesObject).IsAssignableFrom(property.DeclaringType)
        && property.Name is nameof(k8s.IKubernetesObject.ApiVersion) or nameof(k8s.IKubernetesObject.Kind) or "Metadata";

    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private V1JSONSchemaProps ForProperty(PropertyInfo property)
    {
        var schema = ForType(property.PropertyType);
        schema.Description = DescriptionOf(property);

        if (property.GetCustomAttribute<SchemaDefaultAttribute>() is { } @default)
        {
            schema.DefaultProperty = FromJson(@default.Json);
        }

        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            schema.Minimum = Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
            schema.Maximum = Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
        }

        var isList = schema.Type == "array";
        if (property.GetCustomAttribute<MinLengthAttribute>() is { } min)
        {
            if (isList) { schema.MinItems = min.Length; } else { schema.MinLength = min.Length; }
        }

        if (property.GetCustomAttribute<MaxLengthAttribute>() is { } max)
        {
            if (isList) { schema.MaxItems = max.Length; } else { schema.MaxLength = max.Length; }
        }

        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern)
        {
            schema.Pattern = pattern.Pattern;
        }

        if (property.GetCustomAttribute<ListMapKeysAttribute>() is { } keys)
        {
            schema.XKubernetesListType = "map";
            schema.XKubernetesListMapKeys = [.. keys.Keys];
        }

        if (property.GetCustomAttribute<ListSetAttribute>() is not null)
        {
            schema.XKubernetesListType = "set";
        }

        if (property.GetCustomAttribute<ItemPatternAttribute>() is { } itemPattern && schema.Items is V1JSONSchemaProps items)
        {
            items.Pattern = itemPattern.Pattern;
        }

        AddRules(schema, property.GetCustomAttributes<CelRuleAttribute>());
        return schema;
    }

    private V1JSONSchemaProps ForType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;

        if (type == typeof(string)) { return new V1JSONSchemaProps { Type = "string" }; }
        if (type == typeof(bool)) { return new V1JSONSchemaProps { Type = "boolean" }; }
        if (type == typeof(int)) { return new V1JSONSchemaProps { Type = "integer", Format = "int32" }; }
        if (type == typeof(long)) { return new V1JSONSchemaProps { Type = "integer", Format = "int64" }; }
        if (type == typeof(double) || type == typeof(float)) { return new V1JSONSchemaProps { Type = "number" }; }
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) { return new V1JSONSchemaProps { Type = "string", Format = "date-time" }; }
        if (type == typeof(byte[])) { return new V1JSONSchemaProps { Type = "string", Format = "byte" }; }
        if (type == typeof(IntOrString)) { return IntOrStringSchema(); }
        if (type == typeof(ResourceQuantity))
        {
            var quantity = IntOrStringSchema();
            quantity.Pattern = QuantityPattern;
            return quantity;
        }

        if (type.IsEnum)
        {
            return new V1JSONSchemaProps { Type = "string", EnumProperty = [.. Enum.GetNames(type)] };
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = ForType(valueType) };
        }

        if (ListItemType(type) is { } itemType)
        {
            return new V1JSONSchemaProps { Type = "array", Items = ForType(itemType) };
        }

        if (type.IsClass && type != typeof(object))
        {
            return ForObject(type);
        }

        throw new NotSupportedException($"No schema mapping for {type.FullName}.");
    }

    private static V1JSONSchemaProps IntOrStringSchema() => new()
    {
        AnyOf = [new V1JSONSchemaProps { Type = "integer" }, new V1JSONSchemaProps { Type = "string" }],
        XKubernetesIntOrString = true,
    };

    private string DescriptionOf(PropertyInfo property)
    {
        var description = property.GetCustomAttribute<DescriptionAttribute>()?.Description
            ?? (property.DeclaringType!.Namespace == typeof(V1EnvVar).Namespace ? upstream.Describe(property) : null);
        return string.IsNullOrWhiteSpace(description)
            ? throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name} has no description; `kubectl explain` needs one.")
            : description;
    }

    private static void AddRules(V1JSONSchemaProps schema, IEnumerable<CelRuleAttribute> rules)
    {
        var list = rules.Select(r => new V1ValidationRule { Rule = r.Rule, Message = r.Message, FieldPath = r.FieldPath }).ToList();
        if (list.Count > 0)
        {
            schema.XKubernetesValidations = list;
        }
    }

    private static Type? DictionaryValueType(Type type) =>
        GenericArgumentsOf(type, typeof(IDictionary<,>)) is [var key, var value] && key == typeof(string) ? value : null;

    private static Type? ListItemType(Type type) =>
        type != typeof(string) && GenericArgumentsOf(type, typeof(IEnumerable<>)) is [var item] ? item : null;

    private static Type[]? GenericArgumentsOf(Type type, Type openInterface)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == openInterface)
        {
            return type.GetGenericArguments();
        }

        return type.GetInterfaces()
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == openInterface)?
            .GetGenericArguments();
    }

    // Defaults are written as JSON in the attributes and emitted as plain values in the YAML.
    private static object FromJson(string json) => ToPlain(JsonDocument.Parse(json).RootElement);

    private static object ToPlain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToPlain(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(ToPlain).ToList(),
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number => element.TryGetInt64(out var n) ? n : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new NotSupportedException($"Unsupported default {element}."),
    };
}
