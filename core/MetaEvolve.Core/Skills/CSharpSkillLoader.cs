using System.Reflection;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Skills;

/// <summary>Loads compiled skill bytes into a fresh collectible context and exposes them as a plugin.</summary>
public static class CSharpSkillLoader
{
    /// <param name="pluginName">The plugin name agents call the functions under (the Skill's name).</param>
    /// <param name="options">Limits for the constructors of the skill's classes, which run at load.</param>
    public static LoadedCSharpSkill Load(string digest, byte[] assembly, string pluginName, string? description, SkillCallOptions options)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(options);
        var context = new SkillLoadContext($"skill:{pluginName}:{digest}");
        try
        {
            using var stream = new MemoryStream(assembly, writable: false);
            var loaded = context.LoadFromStream(stream);
            var functions = new List<KernelFunction>();
            foreach (var type in loaded.GetExportedTypes().Where(t => !t.IsNested))
            {
                object? instance = null;
                foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    if (method.GetCustomAttribute<KernelFunctionAttribute>() is null)
                    {
                        continue;
                    }

                    if (!method.IsStatic)
                    {
                        instance ??= SkillGuard.RunSandboxed(options, () => Activator.CreateInstance(type)!);
                    }

                    functions.Add(KernelFunctionFactory.CreateFromMethod(method, method.IsStatic ? null : instance));
                }
            }

            var plugin = KernelPluginFactory.CreateFromFunctions(pluginName, description, functions);
            return new LoadedCSharpSkill(digest, plugin, context);
        }
        catch
        {
            context.Unload();
            throw;
        }
    }
}
