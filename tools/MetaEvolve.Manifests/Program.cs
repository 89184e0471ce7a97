using MetaEvolve.Crds.Generation;

// `make manifests`: regenerates the checked-in manifests from the code that defines them.
// Usage: MetaEvolve.Manifests <repository root>
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
