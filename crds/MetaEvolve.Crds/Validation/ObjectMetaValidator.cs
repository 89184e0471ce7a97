using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// The API server's checks of metadata on create: a name (or generateName) that is a DNS-1123 subdomain,
/// a namespace that is a DNS-1123 label, and well-formed label keys and values. Messages match
/// apimachinery's, so a bad name reads the same here as from a real cluster.
/// </summary>
public static partial class ObjectMetaValidator
{
    private const string SubdomainRegex = @"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    private const string LabelRegex = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string LabelValueRegex = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
    private const string QualifiedNameRegex = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

    public static List<FieldError> Validate(JsonObject resource)
    {
        var errors = new List<FieldError>();
        if (resource["metadata"] is not JsonObject metadata)
        {
            errors.Add(new FieldError(FieldErrorType.Required, "metadata", null, ""));
            return errors;
        }

        var name = metadata["name"]?.GetValue<string>();
        var generateName = metadata["generateName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(generateName))
            {
                errors.Add(new FieldError(FieldErrorType.Required, "metadata.name", null, "name or generateName is required"));
            }
        }
        else if (SubdomainProblem(name) is { } problem)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, "metadata.name", name, problem));
        }

        if (metadata["namespace"]?.GetValue<string>() is { Length: > 0 } ns && LabelProblem(ns) is { } nsProblem)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, "metadata.namespace", ns, nsProblem));
        }

        if (metadata["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                if (QualifiedNameProblem(key) is { } keyProblem)
                {
                    errors.Add(new FieldError(FieldErrorType.Invalid, "metadata.labels", key, keyProblem));
                }

                var text = value?.GetValue<string>() ?? "";
                if (text.Length > 63 || !LabelValue().IsMatch(text))
                {
                    errors.Add(new FieldError(FieldErrorType.Invalid, $"metadata.labels", text,
                        $"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '{LabelValueRegex}')"));
                }
            }
        }

        return errors;
    }

    /// <summary>Why a value is not a DNS-1123 subdomain, or null when it is one.</summary>
    public static string? SubdomainProblem(string value)
    {
        if (value.Length > 253)
        {
            return "must be no more than 253 characters";
        }

        return Subdomain().IsMatch(value)
            ? null
            : $"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{SubdomainRegex}')";
    }

    /// <summary>Why a value is not a DNS-1123 label, or null when it is one.</summary>
    public static string? LabelProblem(string value)
    {
        if (value.Length > 63)
        {
            return "must be no more than 63 characters";
        }

        return Label().IsMatch(value)
            ? null
            : $"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{LabelRegex}')";
    }

    private static string? QualifiedNameProblem(string key)
    {
        var slash = key.LastIndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0 && SubdomainProblem(key[..slash]) is { } prefixProblem)
        {
            return $"prefix part {prefixProblem}";
        }

        return name.Length is > 0 and <= 63 && QualifiedName().IsMatch(name)
            ? null
            : $"name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QualifiedNameRegex}')";
    }

    [GeneratedRegex("^" + SubdomainRegex + "$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^" + LabelRegex + "$")]
    private static partial Regex Label();

    [GeneratedRegex("^" + LabelValueRegex + "$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^" + QualifiedNameRegex + "$")]
    private static partial Regex QualifiedName();
}
