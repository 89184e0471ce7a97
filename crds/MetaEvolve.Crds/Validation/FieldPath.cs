using System.Globalization;

namespace MetaEvolve.Crds.Validation;

/// <summary>Builds field paths the way Kubernetes' <c>field.Path</c> prints them.</summary>
internal static class FieldPath
{
    public static string Child(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static string Index(string parent, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{parent}[{index}]");

    public static string Key(string parent, string key) => $"{parent}[{key}]";
}
