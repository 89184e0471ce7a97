using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Packaging;
using MetaEvolve.DevCluster.Workloads;

namespace MetaEvolve.DevCluster.Local;

/// <summary>
/// Which local command runs a container image under <c>dev up</c>. By default MetaEvolve's own images
/// run their built assemblies (<c>dotnet &lt;project&gt;/bin/Debug/net10.0/&lt;project&gt;.dll</c>); a JSON
/// file (<c>.metaevolve/images.json</c>, or the path in METAEVOLVE_DEV_IMAGES) replaces that map:
/// <c>[{"image": "busybox:*", "command": ["sh"], "workingDirectory": "/tmp"}]</c>.
/// </summary>
public static class LocalImages
{
    public static string MapPath(string root) =>
        Environment.GetEnvironmentVariable("METAEVOLVE_DEV_IMAGES") is { Length: > 0 } path ? path : Path.Combine(root, ".metaevolve", "images.json");

    public static IReadOnlyList<ImageCommand> Load(string root)
    {
        var path = MapPath(root);
        if (File.Exists(path))
        {
            var entries = JsonNode.Parse(File.ReadAllText(path)) as JsonArray
                ?? throw new InvalidOperationException($"{path} must hold a JSON array of {{image, command, workingDirectory}}");
            return entries.OfType<JsonObject>().Select(e => new ImageCommand(
                (string?)e["image"] ?? throw new InvalidOperationException($"{path}: an entry has no \"image\""),
                (e["command"] as JsonArray)?.Select(c => (string?)c ?? "").ToList() ?? [],
                (string?)e["workingDirectory"])).ToList();
        }

        return
        [
            // Any tag, with or without the registry (ImageCommand.Matches): the chart's images and the pools' default alike.
            Built(root, ContainerImages.Reference(ContainerImages.AgentRuntime, "*"), "agent-runtime", "MetaEvolve.AgentRuntime"),
            Built(root, ContainerImages.Reference(ContainerImages.Operator, "*"), "operator", "MetaEvolve.Operator.Host"),
            Built(root, ContainerImages.Reference(ContainerImages.Gateway, "*"), "gateway", "MetaEvolve.Gateway"),
        ];
    }

    private static ImageCommand Built(string root, string image, string folder, string project)
    {
        var directory = Path.Combine(root, folder, project);
        return new ImageCommand(image, ["dotnet", Path.Combine(directory, "bin", "Debug", "net10.0", project + ".dll")], directory);
    }

    public static string Describe(IReadOnlyList<ImageCommand> images) =>
        string.Join(Environment.NewLine, images.Select(i => $"      {i.ImagePattern} → {JsonSerializer.Serialize(i.Entrypoint)}"));
}
