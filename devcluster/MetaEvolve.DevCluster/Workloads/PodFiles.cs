using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>What a pod's sandbox directory holds for its containers: the volumes' folders and the ServiceAccount credentials.</summary>
public sealed record PodFiles(IReadOnlyDictionary<string, string> Volumes, PodCredentials? Credentials)
{
    /// <summary>The container's mount paths (and the token mount, when credentials were written) and the host paths behind them.</summary>
    public MountedPaths MountedPaths(JsonObject container)
    {
        var mounts = new List<(string, string)>();
        foreach (var mount in (container["volumeMounts"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if ((string?)mount["mountPath"] is { Length: > 0 } mountPath && Volumes.TryGetValue((string?)mount["name"] ?? "", out var folder))
            {
                mounts.Add((mountPath, (string?)mount["subPath"] is { Length: > 0 } subPath ? Path.Combine(folder, subPath) : folder));
            }
        }

        if (Credentials is not null)
        {
            mounts.Add((ServiceAccountCredentials.MountPath, Credentials.TokenDirectory));
        }

        return new MountedPaths(mounts);
    }
}
