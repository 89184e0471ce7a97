using MetaEvolve.Core;
using MetaEvolve.Operator.Regions;

namespace MetaEvolve.Operator.Pools;

/// <summary>What the operator's configuration adds to every pool's children.</summary>
/// <param name="NatsMonitoringEndpoint">host:port of the NATS monitoring endpoint, for KEDA's nats-jetstream scaler.</param>
/// <param name="Regions">The operator's region and peers (status.region, the Federated condition); none by default.</param>
public sealed record PoolRuntimeOptions(string DefaultImage, string StoreSchema, NatsNames Names, string NatsMonitoringEndpoint = "nats:8222", RegionSettings? Regions = null);
