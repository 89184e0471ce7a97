using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using MetaEvolve.Core;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// The Secret that carries the operator's connection settings (NATS and its root, PostgreSQL, Redis — from its own
/// configuration Secret) into a pool's namespace, where the workers read it with envFrom. Pure.
/// </summary>
public static class PoolConnectionSecretBuilder
{
    public static V1Secret Build(V1Alpha1AgentPool pool, ConnectionOptions connections)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(connections);
        var data = new SortedDictionary<string, string>(connections.ToEnvironment().ToDictionary(), StringComparer.Ordinal);
        var metadata = PoolNames.ChildMetadata(pool, PoolNames.ConnectionSecret(pool));
        metadata.Annotations[PoolNames.ConfigHashAnnotation] = Hash(data);
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "Opaque",
            Metadata = metadata,
            Data = data.ToDictionary(p => p.Key, p => Encoding.UTF8.GetBytes(p.Value)),
        };
    }

    public static string HashOf(V1Secret secret) => ConfigHash.Read(secret?.Metadata) ?? "";

    private static string Hash(SortedDictionary<string, string> data) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", data.Select(p => p.Key + "=" + p.Value)))))[..16];
}
