using System.Text.Json.Serialization;

namespace MetaEvolve.Core.Regions;

/// <summary>Source-generated JSON of the messages regions exchange (camelCase, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RegionHealth))]
[JsonSerializable(typeof(TaskHomecoming))]
public sealed partial class RegionJsonContext : JsonSerializerContext;
