namespace MetaEvolve.Crds.Labels;

/// <summary>
/// A parsed label selector string as list, watch and the metrics APIs accept it (Kubernetes' grammar:
/// <c>a=b,c==d,e!=f,g in (x,y),h notin (z),i,!j</c>), matched against a label map. Shared by the dev control plane
/// and the operator's external metrics API, so both read selectors the same way.
/// </summary>
public sealed class LabelSelector
{
    private LabelSelector(IReadOnlyList<LabelRequirement> requirements) => Requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public IReadOnlyList<LabelRequirement> Requirements { get; }

    public bool IsEverything => Requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Requirements.All(r => r.Matches(labels));

    /// <summary>The value an equality requirement (<c>=</c>, <c>==</c>, single-valued <c>in</c>) pins <paramref name="key"/> to.</summary>
    public string? PinnedValue(string key) => Requirements.FirstOrDefault(r => r.Key == key && r.PinnedValue is not null)?.PinnedValue;

    /// <exception cref="LabelSelectorException">The text is not a label selector.</exception>
    public static LabelSelector Parse(string? text) =>
        string.IsNullOrWhiteSpace(text) ? Everything : new LabelSelector(new LabelSelectorParser(text).Parse());

    public override string ToString() => string.Join(",", Requirements.Select(Describe));

    private static string Describe(LabelRequirement r) => r.Operator switch
    {
        LabelSelectorOperator.Equals => $"{r.Key}={r.Values[0]}",
        LabelSelectorOperator.NotEquals => $"{r.Key}!={r.Values[0]}",
        LabelSelectorOperator.In => $"{r.Key} in ({string.Join(",", r.Values)})",
        LabelSelectorOperator.NotIn => $"{r.Key} notin ({string.Join(",", r.Values)})",
        LabelSelectorOperator.Exists => r.Key,
        _ => "!" + r.Key,
    };
}
