using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace MetaEvolve.Packaging.Tests;

/// <summary>charts/metaevolve rendered by the real helm (<c>helm template</c>), as JSON trees to assert on.</summary>
internal sealed class RenderedChart(IReadOnlyList<JsonObject> objects)
{
    public const string Release = "metaevolve";
    public const string Namespace = "metaevolve-system";
    public static readonly string ChartPath = RepositoryRoot.Combine("charts", "metaevolve");
    public static readonly string AllOnValues = RepositoryRoot.Combine("charts", "metaevolve", "ci", "all-on-values.yaml");

    public IReadOnlyList<JsonObject> Objects { get; } = objects;

    public static async Task<RenderedChart> RenderAsync(params string[] options)
    {
        var run = await TemplateAsync(options);
        Assert.True(run.ExitCode == 0, $"helm template failed: {run.Error}");
        return new RenderedChart(ParseAll(run.Output));
    }

    public static Task<ToolRun> TemplateAsync(params string[] options) =>
        ToolRun.RunAsync(RequiredTools.Helm(), ["template", Release, ChartPath, "--namespace", Namespace, .. options]);

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => (string?)o["kind"] == kind);

    public JsonObject Single(string kind, string name) =>
        Assert.Single(OfKind(kind), o => (string?)o["metadata"]?["name"] == name);

    /// <summary>Every pod spec the chart renders: Deployments' templates and bare Pods (the helm test).</summary>
    public IEnumerable<(string Owner, JsonObject Spec)> PodSpecs() =>
        OfKind("Deployment").Select(d => ($"Deployment {d["metadata"]!["name"]}", d["spec"]!["template"]!["spec"]!.AsObject()))
            .Concat(OfKind("Pod").Select(p => ($"Pod {p["metadata"]!["name"]}", p["spec"]!.AsObject())));

    public static List<JsonObject> ParseAll(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var documents = new List<JsonObject>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (ToJson(deserializer.Deserialize<object?>(parser)) is JsonObject document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    public static JsonObject ParseFile(string path) =>
        Assert.Single(ParseAll(File.ReadAllText(path)));

    /// <summary>YAML scalars stay strings (no schema): <c>true</c> is "true", <c>2</c> is "2".</summary>
    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<object, object?> map => new JsonObject(map.Select(e => KeyValuePair.Create((string)e.Key, ToJson(e.Value)))),
        IList<object?> list => new JsonArray([.. list.Select(ToJson)]),
        _ => JsonValue.Create(value.ToString()),
    };
}
