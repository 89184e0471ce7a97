using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// A container's environment as the kubelet builds it: envFrom (ConfigMaps, Secrets, prefixes), then
/// env with <c>$(VAR)</c> expansion and valueFrom (secretKeyRef, configMapKeyRef, fieldRef); plus
/// <c>PORT</c> (and <c>PORT_&lt;NAME&gt;</c>) naming the replica's own ports and KUBECONFIG with the pod's
/// ServiceAccount credentials. Then what one shared host needs: declared ports become the replica's host
/// ports (<see cref="DeclaredPortRemapping"/>) and paths inside volume mounts the volumes' folders
/// (<see cref="MountedPaths"/>). A missing, non-optional source fails with CreateContainerConfigError, as
/// on a real node.
/// </summary>
public static partial class ContainerEnvironment
{
    public static Dictionary<string, string> Build(ObjectStore store, JsonObject pod, JsonObject container,
        IReadOnlyList<(JsonObject Port, int HostPort)> ports, ReplicaPorts podPorts, PodFiles files)
    {
        var ns = ObjectMeta.Namespace(pod);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOSTNAME"] = ObjectMeta.Name(pod),
        };
        var runnerPorts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ports.Count > 0)
        {
            env["PORT"] = ports[0].HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            runnerPorts["PORT"] = env["PORT"];
            foreach (var (port, host) in ports)
            {
                if ((string?)port["name"] is { Length: > 0 } name)
                {
                    var variable = "PORT_" + name.ToUpperInvariant().Replace('-', '_');
                    env[variable] = host.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    runnerPorts[variable] = env[variable];
                }
            }
        }

        foreach (var from in (container["envFrom"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var prefix = (string?)from["prefix"] ?? "";
            if (from["configMapRef"] is JsonObject cmRef)
            {
                var data = ConfigMapData(store, ns, (string?)cmRef["name"] ?? "", cmRef["optional"]?.GetValue<bool>() == true);
                foreach (var (k, v) in data)
                {
                    env[prefix + k] = v;
                }
            }
            else if (from["secretRef"] is JsonObject secretRef)
            {
                var data = SecretData(store, ns, (string?)secretRef["name"] ?? "", secretRef["optional"]?.GetValue<bool>() == true);
                foreach (var (k, v) in data)
                {
                    env[prefix + k] = v;
                }
            }
        }

        foreach (var e in (container["env"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var name = (string?)e["name"] ?? "";
            if (e["valueFrom"] is JsonObject valueFrom)
            {
                if (ValueFrom(store, pod, valueFrom) is { } value)
                {
                    env[name] = value;
                }
            }
            else
            {
                env[name] = Expand((string?)e["value"] ?? "", env);
            }
        }

        DeclaredPortRemapping.Apply(env, podPorts, runnerPorts);
        files.MountedPaths(container).Apply(env);
        // Added after the rewrite: the runner's kubeconfig is a host path already, and it may lie under a mount path
        // (a sandbox under /tmp, with an emptyDir mounted at /tmp). A KUBECONFIG of the pod's own wins, as before.
        if (files.Credentials is { } credentials)
        {
            env.TryAdd("KUBECONFIG", credentials.KubeconfigPath);
        }

        return env;
    }

    private static string? ValueFrom(ObjectStore store, JsonObject pod, JsonObject valueFrom)
    {
        var ns = ObjectMeta.Namespace(pod);
        if (valueFrom["secretKeyRef"] is JsonObject s)
        {
            var optional = s["optional"]?.GetValue<bool>() == true;
            var data = SecretData(store, ns, (string?)s["name"] ?? "", optional);
            return Key(data, (string?)s["key"] ?? "", $"Secret {ns}/{(string?)s["name"]}", optional);
        }

        if (valueFrom["configMapKeyRef"] is JsonObject c)
        {
            var optional = c["optional"]?.GetValue<bool>() == true;
            var data = ConfigMapData(store, ns, (string?)c["name"] ?? "", optional);
            return Key(data, (string?)c["key"] ?? "", $"ConfigMap {ns}/{(string?)c["name"]}", optional);
        }

        if (valueFrom["fieldRef"] is JsonObject f)
        {
            var path = (string?)f["fieldPath"] ?? "";
            var match = LabelOrAnnotation().Match(path);
            if (match.Success)
            {
                return (string?)pod["metadata"]?[match.Groups[1].Value]?[match.Groups[2].Value] ?? "";
            }

            return path switch
            {
                "metadata.name" => ObjectMeta.Name(pod),
                "metadata.namespace" => ns,
                "metadata.uid" => ObjectMeta.Uid(pod),
                "spec.nodeName" => (string?)pod["spec"]?["nodeName"] ?? "",
                "spec.serviceAccountName" => (string?)pod["spec"]?["serviceAccountName"] ?? "default",
                "status.podIP" or "status.hostIP" => "127.0.0.1",
                _ => throw new ContainerConfigException("CreateContainerConfigError", $"unsupported fieldRef {path} in the dev runner"),
            };
        }

        // resourceFieldRef: processes here have no limits to report.
        return valueFrom["resourceFieldRef"] is not null ? "0" : null;
    }

    private static string? Key(Dictionary<string, string> data, string key, string source, bool optional)
    {
        if (data.TryGetValue(key, out var value))
        {
            return value;
        }

        return optional ? null : throw new ContainerConfigException("CreateContainerConfigError", $"couldn't find key {key} in {source}");
    }

    private static Dictionary<string, string> ConfigMapData(ObjectStore store, string ns, string name, bool optional)
    {
        var cm = store.Get(new ObjectKey(new("", "configmaps"), ns, name));
        if (cm is null)
        {
            return optional ? [] : throw new ContainerConfigException("CreateContainerConfigError", $"configmap \"{name}\" not found");
        }

        return (cm["data"] as JsonObject)?.ToDictionary(p => p.Key, p => (string?)p.Value ?? "", StringComparer.Ordinal) ?? [];
    }

    private static Dictionary<string, string> SecretData(ObjectStore store, string ns, string name, bool optional)
    {
        var secret = store.Get(new ObjectKey(new("", "secrets"), ns, name));
        if (secret is null)
        {
            return optional ? [] : throw new ContainerConfigException("CreateContainerConfigError", $"secret \"{name}\" not found");
        }

        return (secret["data"] as JsonObject)?.ToDictionary(
            p => p.Key, p => Encoding.UTF8.GetString(Convert.FromBase64String((string?)p.Value ?? "")), StringComparer.Ordinal) ?? [];
    }

    /// <summary>Kubernetes <c>$(VAR)</c> expansion: defined variables expand, <c>$$</c> escapes, the rest stays.</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> env) =>
        Reference().Replace(text, m => m.Value == "$$" ? "$" : env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    [GeneratedRegex(@"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.\-]*)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^metadata\.(labels|annotations)\['([^']+)'\]$")]
    private static partial Regex LabelOrAnnotation();
}
