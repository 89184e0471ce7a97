namespace MetaEvolve.Core.Skills;

/// <summary>
/// Where compiled skill assemblies live, by digest, so the cluster compiles each skill version once and
/// every other process loads the stored bytes.
/// </summary>
public interface ISkillAssemblyStore
{
    /// <summary>The stored assembly for <paramref name="digest"/> built by <paramref name="engineVersion"/>, or null.</summary>
    Task<byte[]?> TryGetAsync(string digest, string engineVersion, CancellationToken cancellationToken);

    /// <summary>Stores the assembly; a concurrent writer of the same digest wins harmlessly (same bytes).</summary>
    Task SaveAsync(string digest, string engineVersion, byte[] assembly, CancellationToken cancellationToken);
}
