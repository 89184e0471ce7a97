using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;

namespace MetaEvolve.Crds.Generation;

/// <summary>
/// Descriptions of KubernetesClient's model properties, read from the XML documentation file the package
/// ships (KubernetesClient.xml beside KubernetesClient.dll), so pod-shaped fields carry upstream's text.
/// </summary>
public sealed partial class UpstreamDocumentation
{
    private readonly Dictionary<string, string> _summaries;

    private UpstreamDocumentation(Dictionary<string, string> summaries) => _summaries = summaries;

    public static UpstreamDocumentation Load()
    {
        var assembly = typeof(V1EnvVar).Assembly.Location;
        var path = Path.ChangeExtension(assembly, ".xml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"KubernetesClient's XML documentation is missing beside {assembly}; set CopyDocumentationFilesFromPackages in the project that generates CRDs.",
                path);
        }

        var summaries = XDocument.Load(path)
            .Descendants("member")
            .Where(m => m.Element("summary") is not null)
            .ToDictionary(m => (string)m.Attribute("name")!, m => Normalize(m.Element("summary")!.Value));
        return new UpstreamDocumentation(summaries);
    }

    public string? Describe(PropertyInfo property) =>
        _summaries.GetValueOrDefault($"P:{property.DeclaringType!.FullName}.{property.Name}");

    // The generated XML wraps upstream text at ~80 columns; the line breaks carry no meaning.
    private static string Normalize(string summary) => Whitespace().Replace(summary, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
