using System.Net;
using System.Text;
using k8s;
using k8s.Models;

namespace MetaEvolve.DevCluster.Tests;

/// <summary>
/// Typed Go clients send DeleteOptions as a protobuf body with a DELETE (helm uninstall purging its release
/// Secrets does); the server must read it, preconditions included, instead of failing to parse JSON.
/// </summary>
public sealed class ProtobufDeleteOptionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Field(int number, byte[] value) => [(byte)(number << 3 | 2), .. Varint((ulong)value.Length), .. value];

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    /// <summary>"k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw: DeleteOptions{preconditions{uid}, propagationPolicy}}.</summary>
    private static byte[] DeleteOptions(string uid, string policy)
    {
        byte[] typeMeta = [.. Field(1, Encoding.UTF8.GetBytes("v1")), .. Field(2, Encoding.UTF8.GetBytes("DeleteOptions"))];
        byte[] raw = [.. Field(2, Field(1, Encoding.UTF8.GetBytes(uid))), .. Field(4, Encoding.UTF8.GetBytes(policy))];
        return [0x6b, 0x38, 0x73, 0x00, .. Field(1, typeMeta), .. Field(2, raw)];
    }

    private static async Task<HttpResponseMessage> DeleteAsync(HttpClient http, string name, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"api/v1/namespaces/default/secrets/{name}")
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new("application/vnd.kubernetes.protobuf");
        return await http.SendAsync(request, Ct);
    }

    [Fact]
    public async Task A_protobuf_delete_options_body_is_read_with_its_preconditions()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var secret = await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "sh.helm.release.v1.r1.v1" } },
            "default", cancellationToken: Ct);
        using var http = host.Http();

        using (var stale = await DeleteAsync(http, secret.Metadata.Name, DeleteOptions("another-uid", "Background")))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        }

        using (var deleted = await DeleteAsync(http, secret.Metadata.Name, DeleteOptions(secret.Metadata.Uid, "Background")))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        Assert.Empty((await client.CoreV1.ListNamespacedSecretAsync("default", cancellationToken: Ct)).Items);
    }
}
