using System.Runtime.CompilerServices;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// One loaded C# skill version: its plugin and the collectible context behind it. Disposing unloads the
/// context; the memory goes back once nothing (kernels, running calls) references the plugin any more.
/// </summary>
public sealed class LoadedCSharpSkill : IDisposable
{
    private SkillLoadContext? _context;

    internal LoadedCSharpSkill(string digest, KernelPlugin plugin, SkillLoadContext context)
    {
        Digest = digest;
        Plugin = plugin;
        _context = context;
        ContextReference = new WeakReference(context, trackResurrection: false);
    }

    public string Digest { get; }

    public KernelPlugin Plugin { get; }

    /// <summary>Becomes dead once the unloaded context has been collected (tests and leak checks watch it).</summary>
    public WeakReference ContextReference { get; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Dispose()
    {
        _context?.Unload();
        _context = null;
    }
}
