using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// <c>tasks.approval</c>: the call a parked task waits on — <see cref="Function"/> as <c>plugin.function</c>, its
/// arguments, the model's tool-call id (null for a direct call) — and, once someone decided, the decision
/// (<see cref="ApprovalDecisions"/>), the reason, who and when.
/// </summary>
public sealed record TaskApproval(
    string Function,
    JsonObject? Arguments,
    string? ToolCallId,
    int TimeoutSeconds,
    string? Decision = null,
    string? Reason = null,
    string? DecidedBy = null,
    DateTimeOffset? DecidedAt = null)
{
    public bool Approved => Decision == ApprovalDecisions.Approved;

    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    public static TaskApproval? FromJson(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<TaskApproval>(json, JsonSerializerOptions.Web);
}
