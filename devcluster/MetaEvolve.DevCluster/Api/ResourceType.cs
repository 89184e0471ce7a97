using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Api;

/// <summary>One column of a <c>kubectl get</c> table, as in a CRD's <c>additionalPrinterColumns</c>.</summary>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, string Description = "", int Priority = 0, string Format = "");

/// <summary>Where the scale subresource reads and writes replicas, as in a CRD's <c>subresources.scale</c>.</summary>
public sealed record ScaleSubresource(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);

/// <summary>
/// A resource served in one group/version: what discovery lists, what storage keys on, what OpenAPI
/// and the table printer describe. Built-ins and CRD versions share this one shape.
/// </summary>
public sealed record ResourceType
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public required bool Namespaced { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    public bool HasStatus { get; init; }
    public ScaleSubresource? Scale { get; init; }
    public IReadOnlyList<PrinterColumn> Columns { get; init; } = [];

    /// <summary>OpenAPI v3 schema of the whole object (CRDs), or null where we publish a permissive one.</summary>
    public JsonObject? Schema { get; init; }

    /// <summary>The CRD this version comes from; null for built-ins.</summary>
    public JsonObject? Crd { get; init; }

    /// <summary>The verbs served when not every one is (a review is only created); null for all of them.</summary>
    public IReadOnlyList<string>? Verbs { get; init; }

    /// <summary>Whether <c>metadata.generation</c> is kept (resources with a spec).</summary>
    public bool HasGeneration { get; init; }

    /// <summary>Built-ins whose lists kubectl merges by key take strategic merge patches.</summary>
    public bool AcceptsStrategicMerge => Crd is null;

    public bool IsCustom => Crd is not null;
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string ListKind => Kind + "List";

    /// <summary>Storage is shared by every version of a group/resource; objects keep their own apiVersion.</summary>
    public GroupResource GroupResource => new(Group, Plural);

    /// <summary>The resource as Kubernetes messages name it: <c>pods</c>, <c>agentpools.metaevolve.io</c>.</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}

/// <summary>A group and resource: the storage identity of a type regardless of version.</summary>
public readonly record struct GroupResource(string Group, string Resource)
{
    public override string ToString() => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}
