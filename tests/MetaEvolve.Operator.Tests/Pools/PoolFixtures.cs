using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;

namespace MetaEvolve.Operator.Tests.Pools;

internal static class PoolFixtures
{
    public static readonly PoolRuntimeOptions Settings = new("example/agent-runtime:1", "metaevolve", MetaEvolve.Core.NatsNames.Default);

    public static V1Alpha1AgentPool Pool(Action<V1Alpha1AgentPoolSpec>? configure = null)
    {
        var pool = new V1Alpha1AgentPool
        {
            Metadata = new V1ObjectMeta { Name = "general", NamespaceProperty = "team-a", Uid = "uid-1", Generation = 3 },
        };
        configure?.Invoke(pool.Spec);
        return pool;
    }

    public static V1Alpha1Agent Agent(string name, string? secret = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team-a" },
        Spec = new V1Alpha1AgentSpec
        {
            PoolRef = new LocalObjectReference { Name = "general" },
            Model = secret is null ? null : new AgentModel { Provider = ModelProvider.OpenAI, Model = "gpt", ApiKeySecretRef = new KeyReference { Name = secret, Key = "apiKey" } },
        },
    };
}
