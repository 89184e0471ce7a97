using MetaEvolve.Core.Packaging;
using MetaEvolve.Crds.Generation;
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
}

// The operator's ClusterRole, from the permissions declared next to the code that needs them.
var rolePath = Path.Combine(root, OperatorClusterRole.RelativePath);
var role = OperatorClusterRole.Render();
var roleChanged = !File.Exists(rolePath) || await File.ReadAllTextAsync(rolePath) != role;
if (roleChanged)
{
    Directory.CreateDirectory(Path.GetDirectoryName(rolePath)!);
    await File.WriteAllTextAsync(rolePath, role);
}

Console.WriteLine($"{(roleChanged ? "wrote" : "unchanged")} {OperatorClusterRole.RelativePath}");
