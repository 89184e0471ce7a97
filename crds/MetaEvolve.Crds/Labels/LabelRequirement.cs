namespace MetaEvolve.Crds.Labels;

/// <summary>One term of a label selector: a key, an operator and (for all but the existence tests) values.</summary>
public sealed record LabelRequirement(string Key, LabelSelectorOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) => Operator switch
    {
        LabelSelectorOperator.Equals or LabelSelectorOperator.In => labels.TryGetValue(Key, out var v) && Values.Contains(v, StringComparer.Ordinal),
        // As in Kubernetes, != and notin also select objects without the label.
        LabelSelectorOperator.NotEquals or LabelSelectorOperator.NotIn => !labels.TryGetValue(Key, out var v) || !Values.Contains(v, StringComparer.Ordinal),
        LabelSelectorOperator.Exists => labels.ContainsKey(Key),
        _ => !labels.ContainsKey(Key),
    };

    /// <summary>The single value this requirement pins its key to (<c>k=v</c>, <c>k==v</c>, <c>k in (v)</c>), if it does.</summary>
    public string? PinnedValue => Operator is LabelSelectorOperator.Equals or LabelSelectorOperator.In && Values.Count == 1 ? Values[0] : null;
}
