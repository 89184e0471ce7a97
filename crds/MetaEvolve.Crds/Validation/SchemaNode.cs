using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// One node of a CRD's structural schema, read once from the schema's JSON form so that defaults and
/// enums are plain <see cref="JsonNode"/>s whatever the CRD was loaded from, with its pattern and CEL
/// rules compiled.
/// </summary>
internal sealed class SchemaNode
{
    /// <summary>Patterns run in .NET's engine with a timeout, so a hostile value cannot hang validation.</summary>
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(250);

    public string? Type { get; private init; }
    public string? Format { get; private init; }
    public bool Nullable { get; private init; }
    public bool IntOrString { get; private init; }
    public bool PreserveUnknownFields { get; private init; }
    public bool EmbeddedResource { get; private init; }
    public IReadOnlyDictionary<string, SchemaNode> Properties { get; private init; } = new Dictionary<string, SchemaNode>();

    /// <summary>The schema of a map's values (<c>additionalProperties</c>), if this is a map.</summary>
    public SchemaNode? AdditionalProperties { get; private init; }

    /// <summary><c>additionalProperties: true</c>: any keys, values not described.</summary>
    public bool AllowsAnyAdditionalProperties { get; private init; }

    public SchemaNode? Items { get; private init; }
    public IReadOnlyList<string> Required { get; private init; } = [];
    public JsonArray? Enum { get; private init; }
    public JsonNode? Default { get; private init; }
    public double? Minimum { get; private init; }
    public double? Maximum { get; private init; }
    public bool ExclusiveMinimum { get; private init; }
    public bool ExclusiveMaximum { get; private init; }
    public double? MultipleOf { get; private init; }
    public long? MinLength { get; private init; }
    public long? MaxLength { get; private init; }
    public long? MinItems { get; private init; }
    public long? MaxItems { get; private init; }
    public long? MinProperties { get; private init; }
    public long? MaxProperties { get; private init; }
    public bool UniqueItems { get; private init; }
    public string? ListType { get; private init; }
    public IReadOnlyList<string> ListMapKeys { get; private init; } = [];
    public string? Pattern { get; private init; }
    public Regex? PatternRegex { get; private init; }
    public string? PatternError { get; private init; }
    public IReadOnlyList<SchemaNode> AllOf { get; private init; } = [];
    public IReadOnlyList<SchemaNode> AnyOf { get; private init; } = [];
    public IReadOnlyList<SchemaNode> OneOf { get; private init; } = [];
    public SchemaNode? Not { get; private init; }
    public IReadOnlyList<CelRule> Rules { get; private set; } = [];

    /// <summary>Where this schema sits in its CRD, e.g. <c>spec.versions[0].schema.openAPIV3Schema.properties[spec]</c>.</summary>
    public string SchemaPath { get; private init; } = "";

    /// <summary>Whether values here carry apiVersion, kind and metadata: the root and embedded resources.</summary>
    public bool IsResource { get; private init; }

    /// <summary>Whether this node or any node below it declares CEL rules.</summary>
    public bool HasRules { get; private init; }

    /// <summary>An object that may hold fields it does not declare.</summary>
    public bool KeepsUnknownFields => PreserveUnknownFields || AllowsAnyAdditionalProperties;

    /// <summary>The type name Kubernetes reports as the bad value of CEL errors ("object", "string", ...).</summary>
    public string TypeName => Type ?? "";

    /// <summary>Reads a schema and everything below it.</summary>
    /// <param name="json">The schema in its JSON form.</param>
    /// <param name="schemaPath">Where the schema sits in its CRD, for errors about the schema itself.</param>
    /// <param name="isResource">Whether values here carry apiVersion, kind and metadata (the root).</param>
    public static SchemaNode Parse(JsonObject json, string schemaPath, bool isResource)
    {
        var properties = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
        if (json["properties"] is JsonObject props)
        {
            foreach (var (name, value) in props)
            {
                if (value is JsonObject child)
                {
                    properties[name] = Parse(child, FieldPath.Key($"{schemaPath}.properties", name), Bool(child, "x-kubernetes-embedded-resource"));
                }
            }
        }

        var additional = json["additionalProperties"];
        var pattern = String(json, "pattern");
        var (regex, patternError) = CompilePattern(pattern);
        var ruleJson = json["x-kubernetes-validations"] is JsonArray ruleArray ? ruleArray.OfType<JsonObject>().ToList() : [];

        var additionalSchema = additional is JsonObject additionalJson
            ? Parse(additionalJson, $"{schemaPath}.additionalProperties", Bool(additionalJson, "x-kubernetes-embedded-resource"))
            : null;
        var items = json["items"] is JsonObject itemsJson
            ? Parse(itemsJson, $"{schemaPath}.items", Bool(itemsJson, "x-kubernetes-embedded-resource"))
            : null;
        var allOf = List(json, "allOf", schemaPath);
        var anyOf = List(json, "anyOf", schemaPath);
        var oneOf = List(json, "oneOf", schemaPath);
        var not = json["not"] is JsonObject notJson ? Parse(notJson, $"{schemaPath}.not", isResource: false) : null;
        IEnumerable<SchemaNode?> children = [.. properties.Values, additionalSchema, items, .. allOf, .. anyOf, .. oneOf, not];

        var node = new SchemaNode
        {
            Type = String(json, "type"),
            Format = String(json, "format"),
            Nullable = Bool(json, "nullable"),
            IntOrString = Bool(json, "x-kubernetes-int-or-string"),
            PreserveUnknownFields = Bool(json, "x-kubernetes-preserve-unknown-fields"),
            EmbeddedResource = Bool(json, "x-kubernetes-embedded-resource"),
            Properties = properties,
            AdditionalProperties = additionalSchema,
            AllowsAnyAdditionalProperties = additional is JsonValue v && v.GetValueKind() == JsonValueKind.True,
            Items = items,
            Required = json["required"] is JsonArray required ? [.. required.Select(r => r?.GetValue<string>() ?? "")] : [],
            Enum = json["enum"] as JsonArray,
            Default = json["default"],
            Minimum = Double(json, "minimum"),
            Maximum = Double(json, "maximum"),
            ExclusiveMinimum = Bool(json, "exclusiveMinimum"),
            ExclusiveMaximum = Bool(json, "exclusiveMaximum"),
            MultipleOf = Double(json, "multipleOf"),
            MinLength = Long(json, "minLength"),
            MaxLength = Long(json, "maxLength"),
            MinItems = Long(json, "minItems"),
            MaxItems = Long(json, "maxItems"),
            MinProperties = Long(json, "minProperties"),
            MaxProperties = Long(json, "maxProperties"),
            UniqueItems = Bool(json, "uniqueItems"),
            ListType = String(json, "x-kubernetes-list-type"),
            ListMapKeys = json["x-kubernetes-list-map-keys"] is JsonArray keys ? [.. keys.Select(k => k?.GetValue<string>() ?? "")] : [],
            Pattern = pattern,
            PatternRegex = regex,
            PatternError = patternError,
            AllOf = allOf,
            AnyOf = anyOf,
            OneOf = oneOf,
            Not = not,
            SchemaPath = schemaPath,
            IsResource = isResource,
            HasRules = ruleJson.Count > 0 || children.Any(c => c?.HasRules == true),
        };

        // Rules are compiled against the finished node: their field references are checked against it.
        node.Rules = [.. ruleJson.Select((rule, i) => CelRule.Compile(rule, node, FieldPath.Index($"{schemaPath}.x-kubernetes-validations", i)))];
        return node;
    }

    /// <summary>This schema and every schema below it.</summary>
    public IEnumerable<SchemaNode> SelfAndDescendants()
    {
        yield return this;
        IEnumerable<SchemaNode?> children = [.. Properties.Values, AdditionalProperties, Items, .. AllOf, .. AnyOf, .. OneOf, Not];
        foreach (var descendant in children.OfType<SchemaNode>().SelectMany(c => c.SelfAndDescendants()))
        {
            yield return descendant;
        }
    }

    /// <summary>The schema for the value under <paramref name="key"/> of an object this schema describes.</summary>
    public SchemaNode? ForKey(string key) =>
        Properties.TryGetValue(key, out var property) ? property : AdditionalProperties;

    private static (Regex? Regex, string? Error) CompilePattern(string? pattern)
    {
        if (pattern is null)
        {
            return (null, null);
        }

        try
        {
            return (new Regex(pattern, RegexOptions.CultureInvariant, PatternTimeout), null);
        }
        catch (ArgumentException e)
        {
            return (null, e.Message);
        }
    }

    private static IReadOnlyList<SchemaNode> List(JsonObject json, string name, string schemaPath) =>
        json[name] is JsonArray array
            ? [.. array.OfType<JsonObject>().Select((sub, i) => Parse(sub, FieldPath.Index($"{schemaPath}.{name}", i), isResource: false))]
            : [];

    private static string? String(JsonObject json, string name) =>
        json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool Bool(JsonObject json, string name) =>
        json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static double? Double(JsonObject json, string name) =>
        json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? JsonNumber.GetDouble(v) : null;

    private static long? Long(JsonObject json, string name) =>
        json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && JsonNumber.TryGetInteger(v, out var n) ? n : null;
}
