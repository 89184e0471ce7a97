using System.Globalization;
using System.Text.Json;

namespace MetaEvolve.Crds.Schema;

// Attributes the CRD generator reads from the API types. Descriptions, required fields, ranges, lengths
// and patterns use System.ComponentModel(.DataAnnotations); what those cannot say lives here.

/// <summary>
/// The schema default, applied by the API server when the field is absent: JSON text (`{}`, `"1.0.0"`) or a
/// constant of the kind's defaults (<see cref="AgentPoolDefaults"/>, …) so the code applies the same value.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SchemaDefaultAttribute : Attribute
{
    /// <summary>A default given as JSON text.</summary>
    public SchemaDefaultAttribute(string json) => Json = json;

    /// <summary>A number, boolean or enum constant; an enum is written as its member's name.</summary>
    public SchemaDefaultAttribute(object value) => Json = value switch
    {
        bool b => b ? "true" : "false",
        Enum e => JsonSerializer.Serialize(e.ToString()),
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        _ => throw new ArgumentException($"unsupported schema default {value} ({value?.GetType().Name}): use JSON text", nameof(value)),
    };

    public string Json { get; }
}

/// <summary>A CEL rule (`x-kubernetes-validations`) evaluated with `self` bound to the annotated object or property.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class CelRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;

    /// <summary>Where the error points, relative to the annotated object (for example `.maxReplicas`).</summary>
    public string? FieldPath { get; init; }
}

/// <summary>A map-typed list (`x-kubernetes-list-type: map`): items are merged by these keys on apply.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapKeysAttribute(params string[] keys) : Attribute
{
    public IReadOnlyList<string> Keys { get; } = keys;
}

/// <summary>A set-typed list (`x-kubernetes-list-type: set`): the API server refuses an item that repeats another.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListSetAttribute : Attribute;

/// <summary>The pattern every string item of a list must match (`items.pattern`), so an error names the item (`peers[1]`).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemPatternAttribute(string pattern) : Attribute
{
    public string Pattern { get; } = pattern;
}
