using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;

namespace MetaEvolve.DevCluster.Storage;

/// <summary>
/// Append-only file of puts and deletes, one JSON line each, so objects and the resourceVersion
/// counter survive a restart. Compacted into a snapshot on every open, so it never grows without bound
/// across runs. A torn last line (crash mid-write) is ignored.
/// </summary>
public sealed class Journal : IDisposable
{
    private readonly string _path;
    private FileStream _stream;

    private Journal(string path, FileStream stream)
    {
        _path = path;
        _stream = stream;
    }

    /// <summary>Opens (creating if needed) the journal in <paramref name="directory"/> and replays it.</summary>
    public static Journal Open(string directory, out Dictionary<ObjectKey, JsonObject> objects, out long resourceVersion)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "objects.jsonl");
        objects = [];
        resourceVersion = 0;
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                JsonObject? entry;
                try
                {
                    entry = JsonNode.Parse(line) as JsonObject;
                }
                catch (JsonException)
                {
                    continue;
                }

                if (entry is null)
                {
                    continue;
                }

                resourceVersion = Math.Max(resourceVersion, entry["rv"]!.GetValue<long>());
                var op = (string?)entry["op"];
                if (op == "rv")
                {
                    continue;
                }

                var key = new ObjectKey(new GroupResource((string)entry["group"]!, (string)entry["resource"]!),
                    (string)entry["namespace"]!, (string)entry["name"]!);
                if (op == "put")
                {
                    objects[key] = entry["object"]!.AsObject();
                }
                else
                {
                    objects.Remove(key);
                }
            }
        }

        var temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)))
        {
            writer.WriteLine(new JsonObject { ["rv"] = resourceVersion, ["op"] = "rv" }.ToJsonString());
            foreach (var (key, obj) in objects)
            {
                writer.WriteLine(Entry("put", key, ParseRv(obj), obj).ToJsonString());
            }
        }

        File.Move(temp, path, overwrite: true);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return new Journal(path, stream);
    }

    public void Put(ObjectKey key, long rv, JsonObject obj) => Write(Entry("put", key, rv, obj));

    public void Delete(ObjectKey key, long rv) => Write(Entry("del", key, rv, null));

    private void Write(JsonObject entry)
    {
        var bytes = Encoding.UTF8.GetBytes(entry.ToJsonString() + "\n");
        _stream.Write(bytes);
        // Flushed to the OS on every change: a killed process loses nothing it acknowledged.
        _stream.Flush();
    }

    private static JsonObject Entry(string op, ObjectKey key, long rv, JsonObject? obj)
    {
        var entry = new JsonObject
        {
            ["rv"] = rv,
            ["op"] = op,
            ["group"] = key.Resource.Group,
            ["resource"] = key.Resource.Resource,
            ["namespace"] = key.Namespace,
            ["name"] = key.Name,
        };
        if (obj is not null)
        {
            entry["object"] = obj.DeepClone();
        }

        return entry;
    }

    private static long ParseRv(JsonObject obj) =>
        long.TryParse((string?)obj["metadata"]?["resourceVersion"], out var rv) ? rv : 0;

    public override string ToString() => _path;

    public void Dispose()
    {
        _stream.Dispose();
        _stream = null!;
    }
}
