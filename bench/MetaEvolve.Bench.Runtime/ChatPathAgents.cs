using System.Text.Json.Nodes;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Store;

namespace MetaEvolve.Bench.Runtime;

/// <summary>
/// The two sides of what budgets and streaming cost a chat task: the same agent on the scripted model (no tools, no
/// memory), each in a pool with a worker of its own. <see cref="Off"/> has no <c>spec.budget</c> and its worker does
/// not stream; <see cref="On"/> has a budget whose limits are never reached — so each model call is checked and
/// counted in Redis — and its worker streams the answer and relays it on NATS.
/// </summary>
internal static class ChatPathAgents
{
    public const string Off = "chat-off";
    public const string On = "chat-on";
    private const string Key = "bench-model-key";

    /// <summary>Each side's agent, named as its pool.</summary>
    public static async Task StoreAsync(AgentRepository agents, string ns, ScriptedModel model)
    {
        foreach (var side in new[] { Off, On })
        {
            await agents.UpsertAsync(ns, side, side, side, Spec(side, model).ToJsonString(), "[]", CancellationToken.None);
        }
    }

    /// <summary>The settings of the worker that serves <paramref name="side"/>'s pool.</summary>
    public static IReadOnlyDictionary<string, string> WorkerSettings(string side) => new Dictionary<string, string>
    {
        [AgentSecrets.ApiKeyVariable(side)] = Key,
        ["Agents__Streaming"] = side == On ? "true" : "false",
    };

    private static JsonObject Spec(string side, ScriptedModel model)
    {
        var spec = new JsonObject
        {
            ["poolRef"] = new JsonObject { ["name"] = side },
            ["instructions"] = "Answer the benchmark.",
            ["model"] = new JsonObject
            {
                ["provider"] = "OpenAICompatible",
                ["model"] = "scripted",
                ["endpoint"] = model.Endpoint,
                ["apiKeySecretRef"] = new JsonObject { ["name"] = "model-key", ["key"] = "apiKey" },
                ["pricing"] = new JsonObject { ["inputPerMillionTokens"] = 0.15, ["outputPerMillionTokens"] = 0.6 },
            },
            ["skills"] = new JsonArray(),
        };
        if (side == On)
        {
            spec["budget"] = new JsonObject
            {
                ["maxTokensPerTask"] = 1_000_000,
                ["maxTokensPerDay"] = 1_000_000_000_000,
                ["maxCostPerDay"] = 1_000_000,
            };
        }

        return spec;
    }
}
