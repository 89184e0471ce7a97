using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// Compile once per digest, cluster-wide: the first process to need a skill version compiles it and stores the
/// bytes; every other process (and every later load) reads them from the store instead of compiling.
/// </summary>
public sealed class CSharpSkillEngine(ISkillAssemblyStore store, CSharpSkillCompiler compiler, ILogger<CSharpSkillEngine>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<CSharpSkillEngine>.Instance;
    private long _storedLoads;

    /// <summary>Loads that found their assembly in the store (the counterpart of <see cref="CSharpSkillCompiler.Compilations"/>).</summary>
    public long StoredLoads => Interlocked.Read(ref _storedLoads);

    public CSharpSkillCompiler Compiler => compiler;

    /// <summary>Returns the stored assembly for the digest, compiling and storing it first when there is none.</summary>
    public async Task<SkillCompilation> EnsureCompiledAsync(string digest, string source, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(digest);
        var stored = await store.TryGetAsync(digest, cancellationToken);
        if (stored is not null && SkillAssemblyStamp.Read(stored) == CSharpSkillCompiler.EngineVersion)
        {
            Interlocked.Increment(ref _storedLoads);
            _logger.LogDebug("Loaded stored skill assembly {Digest} ({Bytes} bytes)", digest, stored.Length);
            return new SkillCompilation(stored, [], []);
        }

        var compilation = compiler.Compile(source, AssemblyName(digest), cancellationToken);
        if (!compilation.Succeeded)
        {
            _logger.LogInformation("Skill {Digest} rejected with {Count} diagnostics", digest, compilation.Diagnostics.Count);
            return compilation;
        }

        var saved = await store.SaveAsync(digest, compilation.Assembly!, cancellationToken);
        _logger.LogInformation("Compiled skill {Digest} ({Bytes} bytes, stored: {Stored})", digest, compilation.Assembly!.Length, saved);
        return compilation;
    }

    /// <summary>Ensures the assembly exists, then loads it into its own collectible context.</summary>
    public async Task<CSharpSkillLoadResult> LoadAsync(string pluginName, string digest, string source, SkillCallOptions options, CancellationToken cancellationToken)
    {
        var compilation = await EnsureCompiledAsync(digest, source, cancellationToken);
        return compilation.Succeeded
            ? new CSharpSkillLoadResult(CSharpSkillLoader.Load(digest, compilation.Assembly!, pluginName, description: null, options), [])
            : new CSharpSkillLoadResult(null, compilation.Diagnostics);
    }

    private static string AssemblyName(string digest) =>
        "skill_" + new string(digest.Where(char.IsAsciiLetterOrDigit).Take(24).ToArray());
}
