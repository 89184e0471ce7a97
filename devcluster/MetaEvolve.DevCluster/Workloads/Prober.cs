using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// One probe of a container (httpGet, tcpSocket or exec), with the port rewritten to the replica's
/// own. Success as the kubelet counts it: HTTP 200–399, a TCP connect, exit code 0.
/// </summary>
public sealed class Prober(HttpClient http)
{
    public async Task<bool> CheckAsync(JsonObject probe, JsonObject pod, ReplicaPorts ports, IReadOnlyDictionary<string, string> env, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(probe["timeoutSeconds"]?.GetValue<int>() ?? 1);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            if (probe["httpGet"] is JsonObject get)
            {
                var port = ports.Resolve(get["port"], pod) ?? 80;
                var scheme = ((string?)get["scheme"] ?? "HTTP").ToLowerInvariant();
                var path = (string?)get["path"] ?? "/";
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{scheme}://127.0.0.1:{port}{(path.StartsWith('/') ? path : "/" + path)}"));
                request.Headers.UserAgent.ParseAdd("kube-probe/1.33");
                foreach (var h in (get["httpHeaders"] as JsonArray)?.OfType<JsonObject>() ?? [])
                {
                    request.Headers.TryAddWithoutValidation((string?)h["name"] ?? "", (string?)h["value"] ?? "");
                }

                using var response = await http.SendAsync(request, limit.Token);
                return (int)response.StatusCode is >= 200 and < 400;
            }

            if (probe["tcpSocket"] is JsonObject tcp)
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", ports.Resolve(tcp["port"], pod) ?? 0, limit.Token);
                return true;
            }

            if (probe["exec"]?["command"] is JsonArray command && command.Count > 0)
            {
                var info = new ProcessStartInfo((string?)command[0] ?? "") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var arg in command.Skip(1))
                {
                    info.ArgumentList.Add((string?)arg ?? "");
                }

                foreach (var (k, v) in env)
                {
                    info.Environment[k] = v;
                }

                using var process = Process.Start(info)!;
                try
                {
                    await process.WaitForExitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    throw;
                }

                return process.ExitCode == 0;
            }

            return true;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return false;
        }
    }
}
