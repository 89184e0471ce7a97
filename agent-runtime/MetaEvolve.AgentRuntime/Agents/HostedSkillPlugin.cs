using System.Text.Json;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using Microsoft.SemanticKernel;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// A C# skill as a Semantic Kernel plugin whose functions run in skill hosts: each function has the name,
/// description and parameter schemas the host reported, and its body is one <see cref="ISkillExecutor"/> call for
/// the agent the kernel belongs to (<see cref="SkillCallScope"/>).
/// </summary>
internal static class HostedSkillPlugin
{
    public static KernelPlugin Create(ISkillExecutor executor, SkillAssembly assembly, string? description, IReadOnlyList<SkillFunctionSignature> functions) =>
        KernelPluginFactory.CreateFromFunctions(assembly.PluginName, description, functions.Select(f => Function(executor, assembly, f)));

    private static KernelFunction Function(ISkillExecutor executor, SkillAssembly assembly, SkillFunctionSignature signature)
    {
        async Task<string?> InvokeAsync(Kernel kernel, KernelArguments arguments, CancellationToken cancellationToken)
        {
            var scope = SkillCallScope.Of(kernel);
            var outcome = await executor.CallAsync(new SkillCallRequest(assembly, signature.Name, Text(arguments), scope.Limits, scope.Tenant), cancellationToken);
            return outcome.Status == SkillCallStatus.Completed
                ? outcome.Value
                : throw new KernelException($"{assembly.PluginName}.{signature.Name} {outcome.Status.ToString().ToLowerInvariant()}: {outcome.Error}");
        }

        return KernelFunctionFactory.CreateFromMethod(InvokeAsync, new KernelFunctionFromMethodOptions
        {
            FunctionName = signature.Name,
            Description = signature.Description,
            Parameters = [.. signature.Parameters.Select(p => new KernelParameterMetadata(p.Name)
            {
                Description = p.Description,
                IsRequired = p.IsRequired,
                DefaultValue = p.DefaultValue,
                Schema = p.Schema is { Length: > 0 } schema ? KernelJsonSchema.Parse(schema) : null,
            })],
            ReturnParameter = new KernelReturnParameterMetadata { Description = signature.ReturnDescription, ParameterType = typeof(string) },
        });
    }

    /// <summary>Arguments as text for the host: strings as they are, anything else as its JSON (the host converts back).</summary>
    public static Dictionary<string, string?> Text(KernelArguments arguments)
    {
        var text = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in arguments)
        {
            text[name] = value switch
            {
                null => null,
                string s => s,
                JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
                JsonElement element => element.GetRawText(),
                IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
        }

        return text;
    }
}
