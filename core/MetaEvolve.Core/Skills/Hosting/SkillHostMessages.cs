using System.Text.Json.Serialization;
using MetaEvolve.Core.Skills.Sandbox;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>What the pool asks a host: load its one skill, or call a function of it.</summary>
internal sealed record SkillHostRequest
{
    public required SkillHostRequestKind Kind { get; init; }
    public string? Digest { get; init; }
    public string? Sha256 { get; init; }
    public byte[]? Assembly { get; init; }
    public string? PluginName { get; init; }
    public string? Function { get; init; }
    public IReadOnlyDictionary<string, string?>? Arguments { get; init; }
    public required double TimeoutMs { get; init; }
    public required long MaxAllocatedBytes { get; init; }
    public required int MaxArrayLength { get; init; }

    [JsonIgnore]
    public SkillLimits Limits => new(TimeSpan.FromMilliseconds(TimeoutMs), MaxAllocatedBytes, MaxArrayLength);

    public static SkillHostRequest Load(SkillAssembly assembly, SkillLimits limits) => new()
    {
        Kind = SkillHostRequestKind.Load,
        Digest = assembly.Digest,
        Sha256 = assembly.Sha256,
        Assembly = assembly.Bytes,
        PluginName = assembly.PluginName,
        TimeoutMs = limits.Timeout.TotalMilliseconds,
        MaxAllocatedBytes = limits.MaxAllocatedBytes,
        MaxArrayLength = limits.MaxArrayLength,
    };

    public static SkillHostRequest Call(string function, IReadOnlyDictionary<string, string?> arguments, SkillLimits limits) => new()
    {
        Kind = SkillHostRequestKind.Call,
        Function = function,
        Arguments = arguments,
        TimeoutMs = limits.Timeout.TotalMilliseconds,
        MaxAllocatedBytes = limits.MaxAllocatedBytes,
        MaxArrayLength = limits.MaxArrayLength,
    };
}

[JsonConverter(typeof(JsonStringEnumConverter<SkillHostRequestKind>))]
internal enum SkillHostRequestKind
{
    Load,
    Call,
}

/// <summary>A host's answer: the call's (or the load's) outcome.</summary>
internal sealed record SkillHostResponse
{
    public required SkillCallStatus Status { get; init; }
    public string? Value { get; init; }
    public string? Error { get; init; }
    public SkillStopReason? StopReason { get; init; }

    [JsonIgnore]
    public SkillCallOutcome Outcome => new(Status, Value, Error, StopReason);

    public static SkillHostResponse From(SkillCallOutcome outcome) => new()
    {
        Status = outcome.Status,
        Value = outcome.Value,
        Error = outcome.Error,
        StopReason = outcome.StopReason,
    };
}
