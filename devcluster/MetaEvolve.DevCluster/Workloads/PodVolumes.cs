using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// A pod's volumes as directories on the one shared file system: <c>emptyDir</c> an empty folder,
/// <c>secret</c> and <c>configMap</c> a folder with one file per key (or per <c>items</c> entry, with
/// its path and mode), <c>hostPath</c> the host path itself. Each lives under the pod's sandbox
/// directory, so replicas never share one. Secret and ConfigMap folders are rewritten when their
/// source changes (<see cref="Refresh"/>), as the kubelet's sync does, and the same way: the content
/// goes to a new folder and the volume's path is a symlink swapped to it in one rename, so a reader
/// (the gateway re-reading its API keys) never sees a half-written or missing file.
/// </summary>
public sealed class PodVolumes(ObjectStore store, JsonObject pod, string directory)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);

    /// <summary>Whether a Secret or ConfigMap of this name (in the pod's namespace) backs one of the volumes.</summary>
    public bool Uses(string resource, string ns, string name) =>
        ns == ObjectMeta.Namespace(pod) && ((pod["spec"]?["volumes"] as JsonArray)?.OfType<JsonObject>().Any(v => resource switch
        {
            "secrets" => (string?)v["secret"]?["secretName"] == name,
            "configmaps" => (string?)v["configMap"]?["name"] == name,
            _ => false,
        }) ?? false);

    /// <summary>
    /// Rewrites the Secret and ConfigMap volumes whose data changed. A source that is gone or lacks a key
    /// leaves the volume as it was, as the kubelet keeps the last good content.
    /// </summary>
    public void Refresh()
    {
        try
        {
            Materialize();
        }
        catch (ContainerConfigException)
        {
            // Keep the last content; the next container start reports the problem.
        }
    }

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

    private void WriteKeys(string path, string volume, string source, Dictionary<string, byte[]>? data, JsonObject spec)
    {
        var optional = spec["optional"]?.GetValue<bool>() == true;
        if (data is null && !optional)
        {
            throw new ContainerConfigException("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : {source} not found");
        }

        data ??= [];
        var files = Files(volume, source, data, spec);
        var fingerprint = string.Join("\n", files.Select(f => $"{f.Path}:{f.Mode}:{Convert.ToBase64String(f.Bytes)}"));
        if (_written.TryGetValue(volume, out var written) && written == fingerprint && Directory.Exists(path))
        {
            return;
        }

        // A new folder, then one rename of a symlink onto the volume's path: readers see the old or the new content.
        var content = Path.Combine(Path.GetDirectoryName(path)!, $"..{volume}_{DateTime.UtcNow.Ticks}");
        Directory.CreateDirectory(content);
        foreach (var (relative, mode, bytes) in files)
        {
            var file = Path.Combine(content, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, bytes);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, (UnixFileMode)(mode & 0x1FF));
            }
        }

        var previous = AtomicSymlink.Point(path, content);
        if (previous is not null && Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }

        _written[volume] = fingerprint;
    }

    /// <summary>The files a Secret or ConfigMap volume holds: every key, or the <c>items</c> chosen, at their paths and modes.</summary>
    private static List<(string Path, int Mode, byte[] Bytes)> Files(string volume, string source, Dictionary<string, byte[]> data, JsonObject spec)
    {
        var optional = spec["optional"]?.GetValue<bool>() == true;
        var defaultMode = spec["defaultMode"]?.GetValue<int>() ?? 420; // 0644, the API's default
        var chosen = spec["items"] is JsonArray items
            ? items.OfType<JsonObject>().Select(i => (Key: (string?)i["key"] ?? "", Path: (string?)i["path"] ?? "", Mode: i["mode"]?.GetValue<int>() ?? defaultMode))
            : data.Keys.Order(StringComparer.Ordinal).Select(k => (Key: k, Path: k, Mode: defaultMode));
        var files = new List<(string, int, byte[])>();
        foreach (var (key, relative, mode) in chosen)
        {
            if (!data.TryGetValue(key, out var bytes))
            {
                if (optional)
                {
                    continue;
                }

                throw new ContainerConfigException("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : {source} has no key \"{key}\"");
            }

            if (Path.IsPathRooted(relative) || relative.Split('/').Contains(".."))
            {
                throw new ContainerConfigException("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : item path \"{relative}\" leaves the volume");
            }

            files.Add((relative, mode, bytes));
        }

        return files;
    }
}
