using System.Reflection;
using System.Runtime.Loader;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// A collectible context holding one skill version. It loads nothing itself: framework, Semantic Kernel and
/// MetaEvolve.Core come from the default context, so the guard's state is the host's.
/// </summary>
internal sealed class SkillLoadContext(string name) : AssemblyLoadContext(name, isCollectible: true)
{
    protected override Assembly? Load(AssemblyName assemblyName) => null;
}
