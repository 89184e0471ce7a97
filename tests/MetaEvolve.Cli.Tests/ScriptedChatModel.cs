using System.Net;
using System.Text;
using System.Text.Json;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Cli.Tests;

/// <summary>An OpenAI-compatible chat endpoint on loopback that answers every request with one scripted reply.</summary>
internal sealed class ScriptedChatModel : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly string _reply;
    private readonly List<string> _requests = [];

    private ScriptedChatModel(string reply)
    {
        _reply = reply;
        var port = ChildProcess.FreeLoopbackPort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/v1/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = ServeAsync();
    }

    public Uri Endpoint { get; }

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static Task<ScriptedChatModel> StartAsync(string reply) => Task.FromResult(new ScriptedChatModel(reply));

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                var body = await reader.ReadToEndAsync();
                lock (_requests)
                {
                    _requests.Add(body);
                }
            }

            var response = JsonSerializer.SerializeToUtf8Bytes(new
            {
                id = "chatcmpl-1",
                @object = "chat.completion",
                created = 1,
                model = "test-model",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = _reply }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 10, completion_tokens = 4, total_tokens = 14 },
            });
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = response.Length;
            await context.Response.OutputStream.WriteAsync(response);
            context.Response.Close();
        }
    }

}
