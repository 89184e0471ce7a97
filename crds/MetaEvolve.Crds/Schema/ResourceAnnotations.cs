namespace MetaEvolve.Crds.Schema;

// Attributes on a custom resource class that shape its CustomResourceDefinition beyond the schema.

/// <summary>Short names `kubectl get` accepts (`kubectl get ap`).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ShortNamesAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>Categories the resource belongs to (`kubectl get metaevolve`).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CategoriesAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>A column `kubectl get` prints (`additionalPrinterColumns`), in declaration order.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(int order, string name, string type, string jsonPath, string description) : Attribute
{
    public int Order { get; } = order;
    public string Name { get; } = name;
    public string Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    public string Description { get; } = description;

    /// <summary>0 shows the column by default; higher values only with `-o wide`.</summary>
    public int Priority { get; init; }
}

/// <summary>Serves the scale subresource (`kubectl scale`, HPA targets) from these paths.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ScaleSubresourceAttribute(string specReplicasPath, string statusReplicasPath, string labelSelectorPath) : Attribute
{
    public string SpecReplicasPath { get; } = specReplicasPath;
    public string StatusReplicasPath { get; } = statusReplicasPath;
    public string LabelSelectorPath { get; } = labelSelectorPath;
}
