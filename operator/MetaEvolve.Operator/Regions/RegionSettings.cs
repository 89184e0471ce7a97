using MetaEvolve.Core;

namespace MetaEvolve.Operator.Regions;

/// <summary>The operator's region (METAEVOLVE_REGION) and the peers it federates with (METAEVOLVE_PEERS).</summary>
/// <param name="Region">Null when regions are not in use.</param>
public sealed record RegionSettings(string? Region, IReadOnlyList<string> Peers)
{
    public static RegionSettings None { get; } = new(null, []);

    public static RegionSettings From(ConnectionOptions connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        return new(connections.Region, connections.Peers);
    }
}
