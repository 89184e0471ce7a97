using System.Collections.Concurrent;

namespace MetaEvolve.Core.Skills;

/// <summary>A process-local assembly store, for the CLI and single-process tools that have no database.</summary>
public sealed class InMemorySkillAssemblyStore : ISkillAssemblyStore
{
    private readonly ConcurrentDictionary<(string, string), byte[]> _assemblies = new();

    public Task<byte[]?> TryGetAsync(string digest, string engineVersion, CancellationToken cancellationToken) =>
        Task.FromResult(_assemblies.TryGetValue((digest, engineVersion), out var bytes) ? bytes : null);

    public Task SaveAsync(string digest, string engineVersion, byte[] assembly, CancellationToken cancellationToken)
    {
        _assemblies.TryAdd((digest, engineVersion), assembly);
        return Task.CompletedTask;
    }
}
