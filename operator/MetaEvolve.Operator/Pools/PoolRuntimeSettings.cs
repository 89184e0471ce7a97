namespace MetaEvolve.Operator.Pools;

/// <summary>What the operator's configuration adds to every pool's Deployment.</summary>
public sealed record PoolRuntimeSettings(string DefaultImage, string StoreSchema, string Stream);
