using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>
/// Reads a compiled skill's functions as Semantic Kernel describes them (names, descriptions, parameter schemas)
/// without running any of its code: the assembly is loaded into a collectible context only to be reflected over,
/// instance methods get an object whose constructor never ran, and the context is unloaded at once. This keeps a
/// process start off the live-reload path; every call still runs in a skill host.
/// </summary>
internal static class SkillSignatureReader
{
    public static SkillDescription Read(SkillAssembly assembly)
    {
        var context = new SkillLoadContext($"describe:{assembly.PluginName}:{assembly.Digest}");
        try
        {
            using var stream = new MemoryStream(assembly.Bytes, writable: false);
            var loaded = context.LoadFromStream(stream);
            var functions = new List<SkillFunctionSignature>();
            foreach (var type in loaded.GetExportedTypes().Where(t => !t.IsNested))
            {
                object? target = null;
                foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    if (method.GetCustomAttribute<KernelFunctionAttribute>() is null)
                    {
                        continue;
                    }

                    if (!method.IsStatic)
                    {
                        // Only Semantic Kernel's metadata is wanted: no constructor, no field initializer runs.
                        target ??= RuntimeHelpers.GetUninitializedObject(type);
                    }

                    functions.Add(SkillFunctionSignature.From(KernelFunctionFactory.CreateFromMethod(method, method.IsStatic ? null : target)));
                }
            }

            return new SkillDescription(functions, null);
        }
        catch (Exception exception) when (exception is BadImageFormatException or FileLoadException or TypeLoadException or ReflectionTypeLoadException
            or ArgumentException or InvalidOperationException or KernelException)
        {
            return new SkillDescription([], new SkillCallOutcome(SkillCallStatus.Failed, null, $"the compiled skill cannot be described: {exception.Message}", null));
        }
        finally
        {
            context.Unload();
        }
    }
}
