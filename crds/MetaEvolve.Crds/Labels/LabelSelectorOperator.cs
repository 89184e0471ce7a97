namespace MetaEvolve.Crds.Labels;

/// <summary>The operators of the label selector string grammar (<c>=</c> and <c>==</c> are both <see cref="Equals"/>).</summary>
public enum LabelSelectorOperator
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}
