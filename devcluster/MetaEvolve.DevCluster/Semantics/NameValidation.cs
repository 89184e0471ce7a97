using System.Text.RegularExpressions;
using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>Object and namespace names checked as the API server does, with its messages.</summary>
public static partial class NameValidation
{
    private const string SubdomainPattern = @"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    private const string LabelPattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    [GeneratedRegex("^" + SubdomainPattern + "$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^" + LabelPattern + "$")]
    private static partial Regex Label();

    /// <summary>
    /// Errors for a name: DNS-1123 label for namespaces; for RBAC objects only what a URL path segment cannot hold
    /// (Kubernetes' ValidateRBACName: <c>system:discovery</c> is a name); DNS-1123 subdomain for everything else.
    /// </summary>
    public static List<FieldCause> Validate(string? name, bool isNamespace, string field = "metadata.name", bool pathSegment = false)
    {
        if (string.IsNullOrEmpty(name))
        {
            return [new("FieldValueRequired", "Required value: name or generateName is required", field)];
        }

        var errors = new List<FieldCause>();
        if (pathSegment)
        {
            if (name is "." or "..")
            {
                errors.Add(Invalid(name, $"may not be '{name}'", field));
            }

            foreach (var illegal in new[] { "/", "%" })
            {
                if (name.Contains(illegal, StringComparison.Ordinal))
                {
                    errors.Add(Invalid(name, $"may not contain '{illegal}'", field));
                }
            }

            return errors;
        }

        if (isNamespace)
        {
            if (name.Length > 63)
            {
                errors.Add(Invalid(name, "must be no more than 63 characters", field));
            }

            if (!Label().IsMatch(name))
            {
                errors.Add(Invalid(name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" + LabelPattern + "')", field));
            }

            return errors;
        }

        if (name.Length > 253)
        {
            errors.Add(Invalid(name, "must be no more than 253 characters", field));
        }

        if (!Subdomain().IsMatch(name))
        {
            errors.Add(Invalid(name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" + SubdomainPattern + "')", field));
        }

        return errors;
    }

    private static FieldCause Invalid(string name, string detail, string field) =>
        new("FieldValueInvalid", $"Invalid value: \"{name}\": {detail}", field);
}
