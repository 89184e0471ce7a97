using MetaEvolve.Crds.Labels;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>Per-request options of a write: dry run, field validation, and where warnings are collected.</summary>
public sealed record WriteOptions(bool DryRun = false, FieldValidation FieldValidation = FieldValidation.Strict)
{
    public List<string> Warnings { get; } = [];
}

/// <summary>DeleteOptions as the API accepts them in the body or the query.</summary>
public sealed record DeleteOptions(string? PropagationPolicy = null, string? PreconditionUid = null,
    string? PreconditionResourceVersion = null, bool DryRun = false);

/// <summary>List and watch filters.</summary>
public sealed record ListOptions(LabelSelector Labels, FieldSelector Fields, int Limit = 0, string? Continue = null);
