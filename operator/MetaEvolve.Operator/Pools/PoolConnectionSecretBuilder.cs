using System.Security.Cryptography;
using System.Text;
using k8s.Models;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// The Secret <see cref="PoolNames.ConnectionSecret"/> that carries a namespace's connection settings (NATS and its
/// root, PostgreSQL, Redis — the namespace's own credentials, see <c>NamespaceCredentials</c>) into it, where every
/// pool's workers read it with envFrom. One per namespace, not per pool: the settings are the same for every pool of
/// a namespace, so a namespace of 1,000 pools costs one write instead of 1,000. It has no owner (no single pool owns it); the pool
/// reconciler deletes it when the namespace's last pool is gone. Pure.
/// </summary>
public static class PoolConnectionSecretBuilder
{
    public static V1Secret Build(string ns, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentNullException.ThrowIfNull(environment);
        var data = new SortedDictionary<string, string>(environment.ToDictionary(), StringComparer.Ordinal);
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "Opaque",
            Metadata = new V1ObjectMeta
            {
                Name = PoolNames.ConnectionSecret,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>
                {
                    [PoolNames.NameLabel] = PoolNames.ComponentName,
                    [PoolNames.ManagedByLabel] = PoolNames.ManagedBy,
                },
                Annotations = new Dictionary<string, string> { [PoolNames.ConfigHashAnnotation] = Hash(data) },
            },
            Data = data.ToDictionary(p => p.Key, p => Encoding.UTF8.GetBytes(p.Value)),
        };
    }

    public static string HashOf(V1Secret secret) => ConfigHash.Read(secret?.Metadata) ?? "";

    /// <summary>True for the namespace Secret this operator made: the only one it deletes.</summary>
    public static bool IsManaged(V1Secret secret) =>
        secret?.Metadata.Name == PoolNames.ConnectionSecret
        && secret.Metadata.Labels?.TryGetValue(PoolNames.ManagedByLabel, out var by) == true && by == PoolNames.ManagedBy;

    private static string Hash(SortedDictionary<string, string> data) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", data.Select(p => p.Key + "=" + p.Value)))))[..16];
}
