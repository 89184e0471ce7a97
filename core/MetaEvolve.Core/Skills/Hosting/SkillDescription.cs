using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>The functions a loaded skill offers, or why it could not be loaded (<see cref="Failure"/>).</summary>
public sealed record SkillDescription(IReadOnlyList<SkillFunctionSignature> Functions, SkillCallOutcome? Failure)
{
    public bool Loaded => Failure is null;
}

/// <summary>A function as the model sees it: its parameters carry the JSON schema Semantic Kernel derived in the host.</summary>
public sealed record SkillFunctionSignature(string Name, string? Description, IReadOnlyList<SkillParameterSignature> Parameters, string? ReturnDescription)
{
    public static SkillFunctionSignature From(KernelFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new SkillFunctionSignature(
            function.Name,
            function.Description,
            [.. function.Metadata.Parameters.Select(p => new SkillParameterSignature(p.Name, p.Description, p.Schema?.ToString(), p.IsRequired, p.DefaultValue?.ToString()))],
            function.Metadata.ReturnParameter.Description);
    }
}

public sealed record SkillParameterSignature(string Name, string? Description, string? Schema, bool IsRequired, string? DefaultValue);
