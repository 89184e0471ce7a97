using System.Text.Json;

namespace MetaEvolve.Core.Tasks;

/// <summary>What to do: either a chat <see cref="Message"/> for the agent's model, or a direct <see cref="Call"/> of a skill function. Exactly one is set.</summary>
public sealed record TaskInput
{
    public string? Message { get; init; }
    public DirectCall? Call { get; init; }

    public static TaskInput Chat(string message) => new() { Message = message };

    public static TaskInput Direct(string skill, string function, JsonElement? arguments = null) =>
        new() { Call = new DirectCall { Skill = skill, Function = function, Arguments = arguments } };
}

/// <summary>A direct call of <c>skill.function</c> with named arguments (a JSON object), run without a model.</summary>
public sealed record DirectCall
{
    public string Skill { get; init; } = "";
    public string Function { get; init; } = "";
    public JsonElement? Arguments { get; init; }
}
