using System.Collections.Concurrent;

namespace MetaEvolve.Core.Skills;

/// <summary>A process-local assembly store, for the CLI and single-process tools that have no database.</summary>
public sealed class InMemorySkillAssemblyStore : ISkillAssemblyStore
{
    private readonly ConcurrentDictionary<string, byte[]> _assemblies = new(StringComparer.Ordinal);

    public Task<byte[]?> TryGetAsync(string digest, CancellationToken cancellationToken) =>
        Task.FromResult(_assemblies.TryGetValue(digest, out var bytes) ? bytes : null);

    public Task<bool> SaveAsync(string digest, byte[] assembly, CancellationToken cancellationToken)
    {
        _assemblies[digest] = assembly;
        return Task.FromResult(true);
    }
}
