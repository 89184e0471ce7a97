using System.Text.Json;
using MetaEvolve.Core.Store;

namespace MetaEvolve.Gateway.Api;

/// <summary>What the store knows of an agent: its pool, model and the skill versions the operator resolved.</summary>
public sealed record AgentView(string Namespace, string Name, string Pool, string Digest, JsonElement? Model, JsonElement Skills, DateTimeOffset UpdatedAt)
{
    public static AgentView From(AgentRecord r)
    {
        using var spec = JsonDocument.Parse(r.SpecJson);
        using var skills = JsonDocument.Parse(r.ResolvedSkillsJson);
        JsonElement? model = spec.RootElement.ValueKind == JsonValueKind.Object && spec.RootElement.TryGetProperty("model", out var m) ? m.Clone() : null;
        return new AgentView(r.Namespace, r.Name, r.Pool, r.Digest, model, skills.RootElement.Clone(), r.UpdatedAt);
    }
}
