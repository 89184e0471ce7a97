using System.Text.Json.Nodes;
using static MetaEvolve.DevCluster.Http.ProtobufWire;

namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// Decodes the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) for the few built-ins that
/// kubectl 1.33's typed clients create with protobuf bodies (<c>kubectl create namespace|configmap|
/// secret|serviceaccount</c>), and the DeleteOptions typed clients send with a DELETE (helm uninstall).
/// Field numbers follow k8s.io/api/core/v1/generated.proto and apimachinery's meta/v1. Other kinds
/// are refused with 415, naming <c>kubectl apply</c> as the way around.
/// </summary>
public static class ProtobufBodies
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static JsonObject Decode(byte[] body)
    {
        try
        {
            return DecodeEnvelope(body);
        }
        catch (FormatException exception)
        {
            throw ApiException.BadRequest(exception.Message);
        }
    }

    private static JsonObject DecodeEnvelope(byte[] body)
    {
        if (body.Length < 4 || !body.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw ApiException.BadRequest("protobuf body without the k8s envelope");
        }

        string? apiVersion = null, kind = null;
        byte[]? raw = null;
        foreach (var (field, value) in Fields(body.AsMemory(4)))
        {
            switch (field)
            {
                case 1:
                    foreach (var (f, v) in Fields(value.Bytes))
                    {
                        if (f == 1)
                        {
                            apiVersion = v.Text;
                        }
                        else if (f == 2)
                        {
                            kind = v.Text;
                        }
                    }

                    break;
                case 2:
                    raw = value.Bytes.ToArray();
                    break;
            }
        }

        if (raw is not null && kind == "DeleteOptions" && apiVersion is "v1" or "meta.k8s.io/v1")
        {
            var options = DeleteOptions(raw);
            options["apiVersion"] = apiVersion;
            options["kind"] = kind;
            return options;
        }

        if (raw is null || apiVersion != "v1")
        {
            throw Unsupported(kind, apiVersion);
        }

        var obj = kind switch
        {
            "Namespace" => Namespace(raw),
            "ConfigMap" => ConfigMap(raw),
            "Secret" => Secret(raw),
            "ServiceAccount" => ServiceAccount(raw),
            _ => throw Unsupported(kind, apiVersion),
        };
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private static ApiException Unsupported(string? kind, string? apiVersion) => new(415, "UnsupportedMediaType",
        $"the MetaEvolve dev control plane decodes protobuf bodies only for v1 Namespace, ConfigMap, Secret and ServiceAccount (got {apiVersion} {kind}); use kubectl apply");

    /// <summary>
    /// meta/v1 DeleteOptions, which typed clients (helm's release storage among them) send with a DELETE:
    /// gracePeriodSeconds 1, preconditions 2 {uid 1, resourceVersion 2}, orphanDependents 3, propagationPolicy 4, dryRun 5.
    /// </summary>
    private static JsonObject DeleteOptions(byte[] raw)
    {
        var obj = new JsonObject();
        foreach (var (field, value) in Fields(raw))
        {
            switch (field)
            {
                case 1:
                    obj["gracePeriodSeconds"] = (long)value.Number;
                    break;
                case 2:
                    var preconditions = new JsonObject();
                    foreach (var (f, v) in Fields(value.Bytes))
                    {
                        preconditions[f == 1 ? "uid" : "resourceVersion"] = v.Text;
                    }

                    obj["preconditions"] = preconditions;
                    break;
                case 3:
                    obj["orphanDependents"] = value.Number != 0;
                    break;
                case 4:
                    obj["propagationPolicy"] = value.Text;
                    break;
                case 5:
                    if (obj["dryRun"] is not JsonArray dryRun)
                    {
                        dryRun = [];
                        obj["dryRun"] = dryRun;
                    }

                    dryRun.Add(value.Text);
                    break;
            }
        }

        return obj;
    }

    private static JsonObject Namespace(byte[] raw)
    {
        var obj = new JsonObject();
        foreach (var (field, value) in Fields(raw))
        {
            switch (field)
            {
                case 1:
                    obj["metadata"] = Metadata(value.Bytes);
                    break;
                case 2:
                    var finalizers = new JsonArray();
                    foreach (var (f, v) in Fields(value.Bytes))
                    {
                        if (f == 1)
                        {
                            finalizers.Add(v.Text);
                        }
                    }

                    obj["spec"] = new JsonObject { ["finalizers"] = finalizers };
                    break;
            }
        }

        return obj;
    }

    private static JsonObject ConfigMap(byte[] raw)
    {
        var obj = new JsonObject();
        foreach (var (field, value) in Fields(raw))
        {
            switch (field)
            {
                case 1:
                    obj["metadata"] = Metadata(value.Bytes);
                    break;
                case 2:
                    AddEntry(obj, "data", value.Bytes, base64: false);
                    break;
                case 3:
                    AddEntry(obj, "binaryData", value.Bytes, base64: true);
                    break;
                case 4:
                    obj["immutable"] = value.Number != 0;
                    break;
            }
        }

        return obj;
    }

    private static JsonObject Secret(byte[] raw)
    {
        var obj = new JsonObject();
        foreach (var (field, value) in Fields(raw))
        {
            switch (field)
            {
                case 1:
                    obj["metadata"] = Metadata(value.Bytes);
                    break;
                case 2:
                    AddEntry(obj, "data", value.Bytes, base64: true);
                    break;
                case 3:
                    obj["type"] = value.Text;
                    break;
                case 4:
                    AddEntry(obj, "stringData", value.Bytes, base64: false);
                    break;
                case 5:
                    obj["immutable"] = value.Number != 0;
                    break;
            }
        }

        return obj;
    }

    private static JsonObject ServiceAccount(byte[] raw)
    {
        var obj = new JsonObject();
        foreach (var (field, value) in Fields(raw))
        {
            switch (field)
            {
                case 1:
                    obj["metadata"] = Metadata(value.Bytes);
                    break;
                case 3:
                    var name = Fields(value.Bytes).Where(p => p.Field == 1).Select(p => p.Value.Text).FirstOrDefault();
                    if (obj["imagePullSecrets"] is not JsonArray pulls)
                    {
                        pulls = [];
                        obj["imagePullSecrets"] = pulls;
                    }

                    pulls.Add(new JsonObject { ["name"] = name });
                    break;
                case 4:
                    obj["automountServiceAccountToken"] = value.Number != 0;
                    break;
            }
        }

        return obj;
    }

    private static JsonObject Metadata(ReadOnlyMemory<byte> bytes)
    {
        var meta = new JsonObject();
        foreach (var (field, value) in Fields(bytes))
        {
            switch (field)
            {
                case 1:
                    meta["name"] = value.Text;
                    break;
                case 2:
                    meta["generateName"] = value.Text;
                    break;
                case 3:
                    meta["namespace"] = value.Text;
                    break;
                case 6:
                    meta["resourceVersion"] = value.Text;
                    break;
                case 11:
                    AddEntry(meta, "labels", value.Bytes, base64: false);
                    break;
                case 12:
                    AddEntry(meta, "annotations", value.Bytes, base64: false);
                    break;
                case 14:
                    if (meta["finalizers"] is not JsonArray finalizers)
                    {
                        finalizers = [];
                        meta["finalizers"] = finalizers;
                    }

                    finalizers.Add(value.Text);
                    break;
            }
        }

        return meta;
    }

    /// <summary>Adds one map entry (a message with key = 1, value = 2) to <c>obj[name]</c>.</summary>
    private static void AddEntry(JsonObject obj, string name, ReadOnlyMemory<byte> entry, bool base64)
    {
        if (obj[name] is not JsonObject map)
        {
            map = [];
            obj[name] = map;
        }

        string key = "", value = "";
        foreach (var (field, v) in Fields(entry))
        {
            if (field == 1)
            {
                key = v.Text;
            }
            else if (field == 2)
            {
                value = base64 ? Convert.ToBase64String(v.Bytes.Span) : v.Text;
            }
        }

        map[key] = value;
    }
}
