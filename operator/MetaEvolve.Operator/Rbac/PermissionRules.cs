using System.Reflection;
using k8s.Models;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Rbac;

/// <summary>The RBAC rules of the operator's <see cref="RequiresPermissionAttribute"/> declarations, merged.</summary>
public static class PermissionRules
{
    /// <summary>The rules for the declarations that match <paramref name="operatorNamespaceOnly"/>.</summary>
    public static List<V1PolicyRule> Gather(bool operatorNamespaceOnly)
    {
        var permissions = typeof(PermissionRules).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes<RequiresPermissionAttribute>())
            .Where(p => p.OperatorNamespaceOnly == operatorNamespaceOnly)
            .ToList();

        // One rule per group and resource with the union of its verbs, then resources sharing a group and verb set merged.
        var byResource = permissions
            .GroupBy(p => (p.Group, p.Resource))
            .Select(g => (g.Key.Group, g.Key.Resource, Verbs: g.SelectMany(p => p.Verbs).Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList()));
        return byResource
            .GroupBy(r => (r.Group, Verbs: string.Join(",", r.Verbs)))
            .OrderBy(g => g.Key.Group, StringComparer.Ordinal).ThenBy(g => g.Key.Verbs, StringComparer.Ordinal)
            .Select(g => new V1PolicyRule
            {
                ApiGroups = [g.Key.Group],
                Resources = [.. g.Select(r => r.Resource).OrderBy(r => r, StringComparer.Ordinal)],
                Verbs = [.. g.Key.Verbs.Split(',')],
            })
            .ToList();
    }

    /// <summary>Whether the rules allow one request, as RBAC decides it (no wildcards are generated).</summary>
    public static bool Allows(IEnumerable<V1PolicyRule> rules, string verb, string group, string resource, string? subresource)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var full = string.IsNullOrEmpty(subresource) ? resource : $"{resource}/{subresource}";
        return rules.Any(r => r.ApiGroups.Any(g => g == group || g == "*")
            && r.Resources.Any(x => x == full || x == "*")
            && r.Verbs.Any(v => v == verb || v == "*"));
    }
}
