using System.Collections.Concurrent;
using System.Net;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Testing;

/// <summary>
/// An OTLP/HTTP trace endpoint for tests: real processes export to it (<see cref="Environment"/>) and the test reads what
/// arrived. It answers every export with 200 and an empty body, as a collector does.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public OtlpTraceReceiver()
    {
        Port = ChildProcess.FreeLoopbackPort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public ConcurrentQueue<OtlpSpan> Spans { get; } = new();

    /// <summary>The standard variables that point an OpenTelemetry SDK here over OTLP/HTTP, exporting every 100 ms.</summary>
    public IDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{Port}",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
    };

    private async Task LoopAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                foreach (var span in OtlpTraceReader.Read(body.ToArray()))
                {
                    Spans.Enqueue(span);
                }
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _loop;
    }
}
