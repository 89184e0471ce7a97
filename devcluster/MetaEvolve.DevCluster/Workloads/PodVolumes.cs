using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// A pod's volumes as directories on the one shared file system: <c>emptyDir</c> an empty folder,
/// <c>secret</c> and <c>configMap</c> a folder with one file per key (or per <c>items</c> entry, with
/// its path and mode), <c>hostPath</c> the host path itself. Each lives under the pod's sandbox
/// directory, so replicas never share one. Written before every container start, so a restarted
/// container sees the Secret's current data, as after the kubelet's periodic sync.
/// </summary>
public sealed class PodVolumes(ObjectStore store, JsonObject pod, string directory)
{
    private readonly Lock _gate = new();

    /// <summary>Volume name → its directory (or file, for a hostPath file), all volumes of the pod.</summary>
    public IReadOnlyDictionary<string, string> Materialize()
    {
        // The pod's containers start concurrently and share these folders.
        lock (_gate)
        {
            return MaterializeAll();
        }
    }

    private Dictionary<string, string> MaterializeAll()
    {
        var ns = ObjectMeta.Namespace(pod);
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in (pod["spec"]?["volumes"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var name = (string?)volume["name"] ?? "";
            var path = Path.Combine(directory, "volumes", name);
            if (volume["emptyDir"] is not null)
            {
                Directory.CreateDirectory(path);
            }
            else if (volume["secret"] is JsonObject secret)
            {
                var secretName = (string?)secret["secretName"] ?? "";
                var stored = store.Get(new ObjectKey(new("", "secrets"), ns, secretName));
                var data = (stored?["data"] as JsonObject)?.ToDictionary(p => p.Key, p => Convert.FromBase64String((string?)p.Value ?? ""), StringComparer.Ordinal);
                WriteKeys(path, name, $"secret \"{secretName}\"", data, secret);
            }
            else if (volume["configMap"] is JsonObject configMap)
            {
                var mapName = (string?)configMap["name"] ?? "";
                var stored = store.Get(new ObjectKey(new("", "configmaps"), ns, mapName));
                Dictionary<string, byte[]>? data = null;
                if (stored is not null)
                {
                    data = (stored["data"] as JsonObject)?.ToDictionary(p => p.Key, p => Encoding.UTF8.GetBytes((string?)p.Value ?? ""), StringComparer.Ordinal) ?? [];
                    foreach (var (key, value) in (stored["binaryData"] as JsonObject) ?? [])
                    {
                        data[key] = Convert.FromBase64String((string?)value ?? "");
                    }
                }

                WriteKeys(path, name, $"configmap \"{mapName}\"", data, configMap);
            }
            else if ((string?)volume["hostPath"]?["path"] is { Length: > 0 } hostPath)
            {
                path = hostPath;
            }
            else
            {
                var kind = volume.Select(p => p.Key).FirstOrDefault(k => k != "name") ?? "unknown";
                throw new ContainerConfigException("ContainerCreating",
                    $"MountVolume.SetUp failed for volume \"{name}\" : volume type {kind} is not supported by the dev runner (emptyDir, secret, configMap, hostPath are)");
            }

            paths[name] = path;
        }

        return paths;
    }

    private static void WriteKeys(string path, string volume, string source, Dictionary<string, byte[]>? data, JsonObject spec)
    {
        var optional = spec["optional"]?.GetValue<bool>() == true;
        if (data is null && !optional)
        {
            throw new ContainerConfigException("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : {source} not found");
        }

        // Written afresh each time, so keys removed from the source disappear from the folder too.
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
        data ??= [];
        var defaultMode = spec["defaultMode"]?.GetValue<int>() ?? 420; // 0644, the API's default
        var files = spec["items"] is JsonArray items
            ? items.OfType<JsonObject>().Select(i => (Key: (string?)i["key"] ?? "", Path: (string?)i["path"] ?? "", Mode: i["mode"]?.GetValue<int>() ?? defaultMode))
            : data.Keys.Select(k => (Key: k, Path: k, Mode: defaultMode));
        foreach (var (key, relative, mode) in files)
        {
            if (!data.TryGetValue(key, out var bytes))
            {
                if (optional)
                {
                    continue;
                }

                throw new ContainerConfigException("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : {source} has no key \"{key}\"");
            }

            var file = Path.GetFullPath(Path.Combine(path, relative));
            if (!file.StartsWith(Path.GetFullPath(path) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new ContainerConfigException("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : item path \"{relative}\" leaves the volume");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, bytes);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, (UnixFileMode)(mode & 0x1FF));
            }
        }
    }
}
