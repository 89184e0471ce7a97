namespace MetaEvolve.Core.Skills;

/// <summary>
/// Where compiled skill assemblies live, by digest, so the cluster compiles each skill version once and
/// every other process loads the stored bytes. The bytes say which engine built them (see SkillAssemblyStamp).
/// </summary>
public interface ISkillAssemblyStore
{
    /// <summary>The stored assembly for <paramref name="digest"/>, or null when none was stored yet.</summary>
    public Task<byte[]?> TryGetAsync(string digest, CancellationToken cancellationToken);

    /// <summary>Stores (or replaces) the assembly for <paramref name="digest"/>; concurrent writers store the same bytes.</summary>
    /// <returns>False when the store had nowhere to keep it (no published version with this digest).</returns>
    public Task<bool> SaveAsync(string digest, byte[] assembly, CancellationToken cancellationToken);
}
