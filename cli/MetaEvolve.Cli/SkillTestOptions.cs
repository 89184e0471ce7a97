using MetaEvolve.Core.Skills.Sandbox;

namespace MetaEvolve.Cli;

/// <summary>Settings of one <c>skill test</c> run.</summary>
/// <param name="ModelEndpoint">OpenAI-compatible endpoint for prompt-skill tests; null skips them.</param>
/// <param name="ApiKeyVariable">Environment variable holding the model's API key (never printed).</param>
internal sealed record SkillTestOptions(SkillLimits Limits, Uri? ModelEndpoint, string Model, string ApiKeyVariable);
