namespace MetaEvolve.Crds.Validation;

/// <summary>What to do with fields the schema does not declare.</summary>
public enum UnknownFieldHandling
{
    /// <summary>Report each as <c>unknown field "spec.foo"</c>, like strict field validation (<c>kubectl --validate=strict</c>).</summary>
    Reject,

    /// <summary>Drop them silently, as the API server does without strict field validation.</summary>
    Prune,
}
