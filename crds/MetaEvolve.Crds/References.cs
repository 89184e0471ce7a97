using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace MetaEvolve.Crds;

/// <summary>A reference to another MetaEvolve object in the same namespace.</summary>
public sealed class LocalObjectReference
{
    [Required, MaxLength(ResourceNames.MaxLength), RegularExpression(ResourceNames.LabelPattern)]
    [Description("Name of the referenced object in the same namespace.")]
    public string Name { get; set; } = "";
}

/// <summary>A key of a Secret or ConfigMap in the same namespace.</summary>
public sealed class KeyReference
{
    [Required, MinLength(1), MaxLength(253)]
    [Description("Name of the Secret or ConfigMap in the same namespace.")]
    public string Name { get; set; } = "";

    [Required, MinLength(1), MaxLength(253), RegularExpression(@"^[-._a-zA-Z0-9]+$")]
    [Description("Key inside the Secret or ConfigMap.")]
    public string Key { get; set; } = "";
}
