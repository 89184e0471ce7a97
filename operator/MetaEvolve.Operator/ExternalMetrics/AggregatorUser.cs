namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>The user the aggregator forwards a request for, as its requestheaders name it.</summary>
public sealed record AggregatorUser(string Name, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra);
