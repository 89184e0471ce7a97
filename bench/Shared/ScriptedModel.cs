using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Bench;

/// <summary>
/// An OpenAI-compatible chat-completions endpoint on 127.0.0.1 for benchmarks' chat tasks: it answers each task's message
/// (<c>chaos &lt;n&gt;</c>) with <c>answer &lt;n&gt;</c> after <see cref="Delay"/>, or with a text carrying U+0000 when
/// the message is <see cref="PoisonMessage"/>; as one JSON body, or as server-sent chunks (a word each, then the usage)
/// when the request asks to stream. It counts the requests per message: every request is one execution of the chat
/// task (the agent has no tools and the model never fails, so nothing else calls it).
/// </summary>
internal sealed class ScriptedModel : IAsyncDisposable
{
    public const string PoisonMessage = "poison";

    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _created;

    public ScriptedModel(TimeSpan delay)
    {
        Delay = delay;
        var port = ChildProcess.FreeLoopbackPort();
        Endpoint = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public TimeSpan Delay { get; }

    /// <summary>Base URL as an agent's spec.model.endpoint names it.</summary>
    public string Endpoint { get; }

    /// <summary>Requests per task message.</summary>
    public ConcurrentDictionary<string, int> Executions { get; } = new();

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
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
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
            var message = (string?)body["messages"]!.AsArray()[^1]!["content"] ?? "";
            Executions.AddOrUpdate(message, 1, (_, n) => n + 1);
            await Task.Delay(Delay, _stop.Token);
            var content = message == PoisonMessage ? "bad\u0000value" : message.Replace("chaos", "answer", StringComparison.Ordinal);
            var created = Interlocked.Increment(ref _created);
            context.Response.StatusCode = 200;
            if ((bool?)body["stream"] == true)
            {
                context.Response.ContentType = "text/event-stream";
                var words = content.Split(' ');
                for (var i = 0; i < words.Length; i++)
                {
                    var delta = new JsonObject { ["content"] = i == 0 ? words[i] : " " + words[i] };
                    await WriteEventAsync(context, Chunk(created, delta, finishReason: null, usage: null));
                }
                await WriteEventAsync(context, Chunk(created, new JsonObject(), "stop", usage: null));
                await WriteEventAsync(context, Chunk(created, delta: null, finishReason: null, Usage()));
                await context.Response.OutputStream.WriteAsync("data: [DONE]\n\n"u8.ToArray(), _stop.Token);
            }
            else
            {
                var reply = new JsonObject
                {
                    ["id"] = $"chatcmpl-{created}",
                    ["object"] = "chat.completion",
                    ["created"] = 1_700_000_000 + created,
                    ["model"] = "scripted",
                    ["choices"] = new JsonArray(new JsonObject
                    {
                        ["index"] = 0,
                        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                        ["finish_reason"] = "stop",
                    }),
                    ["usage"] = Usage(),
                };
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(reply.ToJsonString()), _stop.Token);
            }
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The worker was killed mid-request, or the run is stopping.
        }
    }

    private static JsonObject Usage() => new() { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 };

    /// <summary>A chat.completion.chunk: a text delta, the finish reason, or (no choices) the usage.</summary>
    private static JsonObject Chunk(int created, JsonObject? delta, string? finishReason, JsonObject? usage) => new()
    {
        ["id"] = $"chatcmpl-{created}",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000 + created,
        ["model"] = "scripted",
        ["choices"] = delta is null
            ? new JsonArray()
            : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        ["usage"] = usage,
    };

    private async Task WriteEventAsync(HttpListenerContext context, JsonObject chunk)
    {
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes("data: " + chunk.ToJsonString() + "\n\n"), _stop.Token);
        await context.Response.OutputStream.FlushAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }
}
