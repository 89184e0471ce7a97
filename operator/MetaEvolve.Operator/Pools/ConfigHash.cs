using System.Security.Cryptography;
using System.Text;
using k8s;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// A short digest of what the operator decided for a child, kept in its <c>metaevolve.io/config-hash</c> annotation.
/// Comparing digests instead of specs ignores the fields the API server (or KEDA) defaults, which would otherwise
/// look like drift on every pass and turn into a write.
/// </summary>
public static class ConfigHash
{
    public static string Of(object value, string extra = "")
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(KubernetesJson.Serialize(value) + "\n" + extra));
        return Convert.ToHexStringLower(bytes)[..16];
    }

    public static string? Read(k8s.Models.V1ObjectMeta? metadata) =>
        metadata?.Annotations?.TryGetValue(PoolNames.ConfigHashAnnotation, out var hash) == true ? hash : null;
}
