using System.Text.Json.Serialization;

namespace MetaEvolve.Core.Tasks;

/// <summary>Source-generated (reflection-free) JSON for the task contract: the worker parses one envelope per message.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowTrailingCommas = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(TaskEnvelope))]
[JsonSerializable(typeof(TaskInput))]
[JsonSerializable(typeof(TaskResultNotice))]
[JsonSerializable(typeof(AnswerDelta))]
[JsonSerializable(typeof(AnswerSoFar))]
public sealed partial class TaskJsonContext : JsonSerializerContext;
