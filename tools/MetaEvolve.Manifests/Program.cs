using MetaEvolve.Core.Packaging;
using MetaEvolve.Crds.Generation;
using MetaEvolve.Manifests;
using MetaEvolve.Operator.Rbac;

// `make manifests`: regenerates the checked-in manifests from the code that defines them.
// Usage: MetaEvolve.Manifests <repository root>
if (ProductVersion.TryPrint(args, "metaevolve-manifests", Console.Out))
{
    return;
}

var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var crds = Path.Combine(root, "crds");

foreach (var (file, yaml) in CrdManifests.Render())
{
    var path = Path.Combine(crds, file);
    var changed = !File.Exists(path) || await File.ReadAllTextAsync(path) != yaml;
    if (changed)
    {
        await File.WriteAllTextAsync(path, yaml);
    }

    Console.WriteLine($"{(changed ? "wrote" : "unchanged")} crds/{file}");
    await WriteAsync($"{ChartTemplates.Folder}/{file}", ChartTemplates.Crd(file, yaml));
}

// The operator's ClusterRole and the Role in its own namespace, from the permissions declared next to the code that needs them.
await WriteAsync(OperatorClusterRole.RelativePath, OperatorClusterRole.Render());
await WriteAsync(OperatorRole.RelativePath, OperatorRole.Render());
await WriteAsync($"{ChartTemplates.Folder}/operator-clusterrole.yaml", ChartTemplates.Role("ClusterRole", OperatorClusterRole.RelativePath, OperatorClusterRole.Render()));
await WriteAsync($"{ChartTemplates.Folder}/operator-role.yaml", ChartTemplates.Role("Role", OperatorRole.RelativePath, OperatorRole.Render()));

async Task WriteAsync(string relativePath, string content)
{
    var path = Path.Combine(root, relativePath);
    var changed = !File.Exists(path) || await File.ReadAllTextAsync(path) != content;
    if (changed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, content);
    }

    Console.WriteLine($"{(changed ? "wrote" : "unchanged")} {relativePath}");
}
