using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// The OpenAPI part of the API server's custom resource validation: types, formats, enums, ranges,
/// lengths, patterns, list and map sizes, uniqueness, required fields and allOf/anyOf/oneOf/not,
/// worded as kube-openapi and apiextensions-apiserver word them.
/// </summary>
internal static class SchemaValueValidator
{
    public static List<FieldError> Validate(JsonObject root, SchemaNode schema)
    {
        var errors = new List<FieldError>();
        Validate(root, schema, "", isResource: true, errors);
        return errors;
    }

    private static void Validate(JsonNode? node, SchemaNode schema, string path, bool isResource, List<FieldError> errors)
    {
        if (node is null)
        {
            if (!schema.Nullable && (schema.Type is not null || schema.IntOrString))
            {
                errors.Add(TypeInvalid(path, "null", ExpectedType(schema)));
            }

            return;
        }

        var actual = JsonTypeOf(node);
        if (!TypeMatches(schema, actual))
        {
            errors.Add(TypeInvalid(path, actual, ExpectedType(schema)));
            return;
        }

        ValidateEnum(node, schema, path, errors);
        switch (node)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, path, isResource, errors);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path, errors);
                break;
            case JsonValue value when actual == "string":
                ValidateString(value.GetValue<string>(), node, schema, path, errors);
                break;
            case JsonValue value when actual is "integer" or "number":
                ValidateNumber(value, schema, path, errors);
                break;
            default:
                break;
        }

        ValidateComposition(node, schema, path, errors);
    }

    private static void ValidateObject(JsonObject obj, SchemaNode schema, string path, bool isResource, List<FieldError> errors)
    {
        foreach (var name in schema.Required)
        {
            if (!obj.ContainsKey(name))
            {
                errors.Add(new FieldError(FieldErrorType.Required, FieldPath.Child(path, name), null, ""));
            }
        }

        if (schema.MaxProperties is { } max && obj.Count > max)
        {
            errors.Add(TooMany(path, obj.Count, max));
        }

        if (schema.MinProperties is { } min && obj.Count < min)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, path, obj.Count, $"{InBody(path)} should have at least {min} properties"));
        }

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
    }

    private static void ValidateArray(JsonArray array, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (schema.MinItems is { } min && array.Count < min)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, path, array.Count, $"{InBody(path)} should have at least {min} items"));
        }

        if (schema.MaxItems is { } max && array.Count > max)
        {
            errors.Add(TooMany(path, array.Count, max));
        }

        if (schema.UniqueItems || schema.ListType == "set")
        {
            ReportDuplicates(array, path, item => item, errors);
        }
        else if (schema.ListType == "map" && schema.ListMapKeys.Count > 0)
        {
            ReportDuplicates(array, path, item => ListMapKey(item, schema.ListMapKeys), errors);
        }

        if (schema.Items is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Validate(array[i], items, FieldPath.Index(path, i), items.EmbeddedResource, errors);
            }
        }
    }

    private static void ValidateString(string text, JsonNode node, SchemaNode schema, string path, List<FieldError> errors)
    {
        ValidateStringFormat(text, node, schema, path, errors);

        // kube-openapi counts characters (runes), not UTF-16 units or bytes.
        var length = text.EnumerateRunes().Count();
        if (schema.MinLength is { } min && length < min)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, path, node.DeepClone(), $"{InBody(path)} should be at least {min} chars long"));
        }

        if (schema.MaxLength is { } max && length > max)
        {
            errors.Add(new FieldError(FieldErrorType.TooLong, path, node.DeepClone(), $"may not be more than {max} {(max == 1 ? "byte" : "bytes")}"));
        }

        if (schema.Pattern is { } pattern)
        {
            ValidatePattern(text, node, schema, pattern, path, errors);
        }
    }

    private static void ValidatePattern(string text, JsonNode node, SchemaNode schema, string pattern, string path, List<FieldError> errors)
    {
        if (schema.PatternRegex is not { } regex)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, path, node.DeepClone(), $"{InBody(path)} has an invalid pattern '{pattern}': {schema.PatternError}"));
            return;
        }

        try
        {
            if (!regex.IsMatch(text))
            {
                errors.Add(new FieldError(FieldErrorType.Invalid, path, node.DeepClone(), $"{InBody(path)} should match '{pattern}'"));
            }
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, path, node.DeepClone(), $"{InBody(path)} took too long to match '{pattern}'"));
        }
    }

    private static void ValidateStringFormat(string text, JsonNode node, SchemaNode schema, string path, List<FieldError> errors)
    {
        var valid = schema.Format switch
        {
            "date-time" => Rfc3339.IsDateTime(text),
            "date" => Rfc3339.IsDate(text),
            "byte" => IsBase64(text),
            _ => true,
        };
        if (!valid)
        {
            errors.Add(new FieldError(FieldErrorType.TypeInvalid, path, node.DeepClone(), $"{InBody(path)} must be of type {schema.Format}: {BadValueText.Quote(text)}"));
        }
    }

    private static void ValidateNumber(JsonValue value, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (schema.Format == "int32" && JsonNumber.TryGetInteger(value, out var integer) && integer is < int.MinValue or > int.MaxValue)
        {
            errors.Add(new FieldError(FieldErrorType.TypeInvalid, path, value.DeepClone(), $"{InBody(path)} must be of type int32"));
        }

        var number = JsonNumber.GetDouble(value);
        if (schema.Minimum is { } min && (schema.ExclusiveMinimum ? number <= min : number < min))
        {
            var relation = schema.ExclusiveMinimum ? "greater than" : "greater than or equal to";
            errors.Add(new FieldError(FieldErrorType.Invalid, path, value.DeepClone(), $"{InBody(path)} should be {relation} {JsonNumber.Format(min)}"));
        }

        if (schema.Maximum is { } max && (schema.ExclusiveMaximum ? number >= max : number > max))
        {
            var relation = schema.ExclusiveMaximum ? "less than" : "less than or equal to";
            errors.Add(new FieldError(FieldErrorType.Invalid, path, value.DeepClone(), $"{InBody(path)} should be {relation} {JsonNumber.Format(max)}"));
        }

        if (schema.MultipleOf is { } factor && factor > 0 && !IsMultiple(number, factor))
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, path, value.DeepClone(), $"{InBody(path)} should be a multiple of {JsonNumber.Format(factor)}"));
        }
    }

    private static void ValidateEnum(JsonNode node, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (schema.Enum is not { Count: > 0 } allowed || allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            return;
        }

        // apiextensions-apiserver quotes string values as they are and other values as their JSON.
        var supported = allowed.Select(a => BadValueText.Quote(
            a is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : a?.ToJsonString() ?? "null"));
        errors.Add(new FieldError(FieldErrorType.NotSupported, path, node.DeepClone(), $"supported values: {string.Join(", ", supported)}"));
    }

    /// <summary>
    /// In a structural schema allOf/anyOf/oneOf/not only add value checks; the messages are
    /// kube-openapi's, reported on the value's own path.
    /// </summary>
    private static void ValidateComposition(JsonNode node, SchemaNode schema, string path, List<FieldError> errors)
    {
        foreach (var all in schema.AllOf)
        {
            Validate(node, all, path, isResource: false, errors);
        }

        if (schema.AnyOf.Count > 0)
        {
            var outcomes = schema.AnyOf.Select(s => ValidateAlone(node, s, path)).ToList();
            if (outcomes.All(o => o.Count > 0))
            {
                errors.Add(new FieldError(FieldErrorType.Invalid, path, node.DeepClone(), $"{InBody(path)} must validate at least one schema (anyOf)"));
                errors.AddRange(outcomes.MinBy(o => o.Count)!);
            }
        }

        if (schema.OneOf.Count > 0)
        {
            var outcomes = schema.OneOf.Select(s => ValidateAlone(node, s, path)).ToList();
            if (outcomes.Count(o => o.Count == 0) != 1)
            {
                errors.Add(new FieldError(FieldErrorType.Invalid, path, node.DeepClone(), $"{InBody(path)} must validate one and only one schema (oneOf)"));
                if (outcomes.All(o => o.Count > 0))
                {
                    errors.AddRange(outcomes.MinBy(o => o.Count)!);
                }
            }
        }

        if (schema.Not is { } not && ValidateAlone(node, not, path).Count == 0)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, path, node.DeepClone(), $"{InBody(path)} must not validate the schema (not)"));
        }
    }

    private static List<FieldError> ValidateAlone(JsonNode node, SchemaNode schema, string path)
    {
        var errors = new List<FieldError>();
        Validate(node, schema, path, isResource: false, errors);
        return errors;
    }

    private static void ReportDuplicates(JsonArray array, string path, Func<JsonNode?, JsonNode?> identity, List<FieldError> errors)
    {
        var seen = new List<JsonNode?>();
        for (var i = 0; i < array.Count; i++)
        {
            var key = identity(array[i]);
            if (seen.Any(s => JsonNode.DeepEquals(s, key)))
            {
                errors.Add(new FieldError(FieldErrorType.Duplicate, FieldPath.Index(path, i), key?.DeepClone(), ""));
            }
            else
            {
                seen.Add(key);
            }
        }
    }

    private static JsonObject ListMapKey(JsonNode? item, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var name in keys)
        {
            key[name] = item is JsonObject obj && obj.TryGetPropertyValue(name, out var value) ? value?.DeepClone() : null;
        }

        return key;
    }

    private static bool TypeMatches(SchemaNode schema, string actual)
    {
        if (schema.IntOrString)
        {
            return actual is "integer" or "string";
        }

        return schema.Type switch
        {
            null => true,
            "number" => actual is "number" or "integer",
            _ => schema.Type == actual,
        };
    }

    private static string ExpectedType(SchemaNode schema) => schema.IntOrString ? "integer,string" : schema.Type ?? "";

    /// <summary>The JSON type name kube-openapi reports for a value; integral numbers are integers.</summary>
    private static string JsonTypeOf(JsonNode node) => node switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => JsonNumber.TryGetInteger(value, out _) ? "integer" : "number",
            _ => "null",
        },
        _ => "null",
    };

    private static FieldError TypeInvalid(string path, string actual, string expected) =>
        new(FieldErrorType.TypeInvalid, path, actual, $"{InBody(path)} must be of type {expected}: {BadValueText.Quote(actual)}");

    private static FieldError TooMany(string path, int actual, long max) =>
        new(FieldErrorType.TooMany, path, actual, $"must have at most {max} {(max == 1 ? "item" : "items")}");

    private static string InBody(string path) => $"{path} in body";

    private static bool IsMultiple(double number, double factor)
    {
        var quotient = number / factor;
        return Math.Abs(quotient - Math.Round(quotient)) < 1e-9;
    }

    private static bool IsBase64(string text) =>
        Convert.TryFromBase64String(text, new byte[(text.Length * 3 / 4) + 3], out _);
}
