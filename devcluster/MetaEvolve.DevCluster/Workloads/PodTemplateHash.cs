using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// The <c>pod-template-hash</c> label: FNV-32a of the pod template (and the collision count), encoded
/// with the API machinery's "safe" alphabet, so a changed template gives new pods a new hash.
/// </summary>
public static class PodTemplateHash
{
    public const string Label = "pod-template-hash";
    private const string Alphanumerics = "bcdfghjklmnpqrstvwxz2456789";

    public static string Compute(JsonNode? template, long collisionCount = 0)
    {
        var bytes = Encoding.UTF8.GetBytes(Canonical(template) + (collisionCount > 0 ? collisionCount.ToString(CultureInfo.InvariantCulture) : ""));
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619u;
        }

        var digits = hash.ToString(CultureInfo.InvariantCulture);
        return string.Create(digits.Length, digits, (span, d) =>
        {
            for (var i = 0; i < d.Length; i++)
            {
                span[i] = Alphanumerics[d[i] % Alphanumerics.Length];
            }
        });
    }

    /// <summary>Keys sorted at every level: the same template hashes the same however a patch ordered it.</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":{Canonical(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };
}
