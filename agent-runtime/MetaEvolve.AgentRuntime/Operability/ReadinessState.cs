using NATS.Client.Core;

namespace MetaEvolve.AgentRuntime.Operability;

/// <summary>/readyz: the NATS connection is open, the consumer is bound, and the store answered last time it was used.</summary>
internal sealed class ReadinessState(INatsConnection nats)
{
    private volatile bool _consumerBound;
    private volatile bool _storeHealthy = true;

    public void ConsumerBound(bool bound) => _consumerBound = bound;

    public void StoreHealthy(bool healthy) => _storeHealthy = healthy;

    public bool IsStoreHealthy => _storeHealthy;

    public (bool Ready, string Detail) Check()
    {
        var natsOpen = nats.ConnectionState == NatsConnectionState.Open;
        var ready = natsOpen && _consumerBound && _storeHealthy;
        return (ready, $"nats={(natsOpen ? "open" : nats.ConnectionState.ToString().ToLowerInvariant())} consumer={(_consumerBound ? "bound" : "unbound")} store={(_storeHealthy ? "ok" : "failing")}");
    }
}
