using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// An OpenAI-compatible chat-completions endpoint on 127.0.0.1 that answers from a script: the test decides each
/// reply from the request body (so concurrent conversations route themselves), and every body is kept so the
/// test can read what the agent sent — instructions, history, tool schemas. A request with <c>"stream": true</c> is
/// answered as the OpenAI API streams (SSE chunks, then a usage chunk when <c>stream_options.include_usage</c> asks for
/// it, then <c>data: [DONE]</c>), each chunk flushed on its own.
/// </summary>
public sealed class ScriptedModelServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<JsonObject, ScriptedReply> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _created = 1_700_000_000;

    public ScriptedModelServer(Func<JsonObject, ScriptedReply> script)
    {
        _script = script;
        Port = ChildProcess.FreeLoopbackPort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    /// <summary>Base URL as an agent's spec.model.endpoint names it.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}/v1";

    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    /// <summary>Path and query of each request with its <c>api-key</c> header (Azure OpenAI's way to send the key).</summary>
    public ConcurrentQueue<(string PathAndQuery, string? ApiKeyHeader)> Calls { get; } = new();

    /// <summary>Authorization headers received (the test checks the key arrived; nothing else should see it).</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

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
            Requests.Enqueue(body);
            Authorizations.Enqueue(context.Request.Headers["Authorization"] ?? "");
            Calls.Enqueue((context.Request.Url?.PathAndQuery ?? "", context.Request.Headers["api-key"]));
            var reply = _script(body);
            if (reply.Delay > TimeSpan.Zero)
            {
                await Task.Delay(reply.Delay, _stop.Token);
            }

            context.Response.StatusCode = reply.Status;
            if (reply.RetryAfterSeconds is { } retryAfter)
            {
                context.Response.AddHeader("Retry-After", retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var created = Interlocked.Increment(ref _created);
            if (reply.Status == 200 && reply.Chunks is { } chunks && body["stream"] is JsonValue stream && (bool)stream)
            {
                await StreamAsync(context.Response, chunks(created, IncludeUsage(body)), reply.HoldLast);
                return;
            }

            context.Response.ContentType = "application/json";
            var payload = Encoding.UTF8.GetBytes(reply.Body(created));
            await context.Response.OutputStream.WriteAsync(payload, _stop.Token);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The client gave up (a timeout test) or the server is stopping.
        }
    }

    private static bool IncludeUsage(JsonObject request) =>
        request["stream_options"]?["include_usage"] is JsonValue include && include.TryGetValue<bool>(out var yes) && yes;

    private async Task StreamAsync(HttpListenerResponse response, IReadOnlyList<string> chunks, Task? holdLast)
    {
        response.ContentType = "text/event-stream";
        response.SendChunked = true;
        var lastContent = chunks.Count - 1;
        while (lastContent >= 0 && !chunks[lastContent].Contains("\"content\":", StringComparison.Ordinal))
        {
            lastContent--;
        }

        for (var i = 0; i < chunks.Count; i++)
        {
            if (i == lastContent && holdLast is not null)
            {
                await holdLast.WaitAsync(_stop.Token);
            }

            await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes($"data: {chunks[i]}\n\n"), _stop.Token);
            await response.OutputStream.FlushAsync(_stop.Token);
        }

        await response.OutputStream.WriteAsync("data: [DONE]\n\n"u8.ToArray(), _stop.Token);
        response.Close();
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

/// <summary>One scripted answer: <see cref="Body"/> when asked for JSON, <see cref="Chunks"/> when asked for a stream.</summary>
public sealed record ScriptedReply(int Status, Func<int, string> Body, TimeSpan Delay = default, int? RetryAfterSeconds = null)
{
    /// <summary>The data of each SSE chunk (created, include usage); null answers a stream request with <see cref="Body"/>.</summary>
    public Func<int, bool, IReadOnlyList<string>>? Chunks { get; init; }

    /// <summary>When set, the last chunk with text waits for it: a test sees the earlier text while the task still runs.</summary>
    public Task? HoldLast { get; init; }

    public static ScriptedReply Text(string content, int promptTokens = 10, int completionTokens = 5, TimeSpan delay = default) =>
        Streamed(Words(content), promptTokens: promptTokens, completionTokens: completionTokens, delay: delay);

    /// <summary>An answer made of <paramref name="pieces"/>: one chunk each when streamed, their concatenation otherwise.</summary>
    public static ScriptedReply Streamed(IReadOnlyList<string> pieces, Task? holdLast = null, int promptTokens = 10, int completionTokens = 5, TimeSpan delay = default) =>
        new(200, created => Completion(created, new JsonObject { ["role"] = "assistant", ["content"] = string.Concat(pieces) }, "stop", promptTokens, completionTokens), delay)
        {
            Chunks = (created, usage) => StreamChunks(created, [.. pieces.Select(p => new JsonObject { ["content"] = p })], "stop", usage ? (promptTokens, completionTokens) : null),
            HoldLast = holdLast,
        };

    /// <summary>Words with the space before each, so that they concatenate to the text.</summary>
    public static IReadOnlyList<string> Words(string text) =>
        string.IsNullOrEmpty(text) ? [""] : [.. System.Text.RegularExpressions.Regex.Split(text, "(?= )").Where(w => w.Length > 0)];

    /// <summary>Tool calls; <paramref name="calls"/> are (function name as sent in the tools list, arguments JSON text).</summary>
    public static ScriptedReply ToolCalls(params (string Name, string Arguments)[] calls) => ToolCalls(TimeSpan.Zero, calls);

    public static ScriptedReply ToolCalls(TimeSpan delay, params (string Name, string Arguments)[] calls) => ToolCalls(delay, text: null, calls);

    /// <summary>Tool calls after some <paramref name="text"/>, as models that think aloud write ("Let me look that up.").</summary>
    public static ScriptedReply TextThenToolCalls(string text, params (string Name, string Arguments)[] calls) => ToolCalls(TimeSpan.Zero, text, calls);

    private static ScriptedReply ToolCalls(TimeSpan delay, string? text, (string Name, string Arguments)[] calls) =>
        new(200, created => Completion(created, new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = text,
            ["tool_calls"] = ToolCallArray(created, calls, streamed: false),
        }, "tool_calls", 20, 8), delay)
        {
            Chunks = (created, usage) => StreamChunks(created,
                [.. (text is null ? [] : Words(text).Select(w => new JsonObject { ["content"] = w })), new JsonObject { ["tool_calls"] = ToolCallArray(created, calls, streamed: true) }],
                "tool_calls", usage ? (20, 8) : null),
        };

    private static JsonArray ToolCallArray(int created, (string Name, string Arguments)[] calls, bool streamed) =>
        new([.. calls.Select((c, i) =>
        {
            var call = new JsonObject
            {
                ["id"] = $"call_{created}_{i}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
            };
            if (streamed)
            {
                call["index"] = i;
            }

            return (JsonNode)call;
        })]);

    /// <summary>A role chunk, one chunk per delta, a finish chunk and, when asked for, a usage chunk without choices.</summary>
    private static List<string> StreamChunks(int created, IReadOnlyList<JsonObject> deltas, string finish, (int Prompt, int Completion)? usage)
    {
        JsonObject Chunk(JsonNode? delta, string? finishReason) => new()
        {
            ["id"] = $"chatcmpl-{created}",
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = "scripted",
            ["choices"] = delta is null ? new JsonArray() : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };

        var chunks = new List<string> { Chunk(new JsonObject { ["role"] = "assistant" }, null).ToJsonString() };
        chunks.AddRange(deltas.Select(d => Chunk(d, null).ToJsonString()));
        chunks.Add(Chunk(new JsonObject(), finish).ToJsonString());
        if (usage is { } u)
        {
            var last = Chunk(null, null);
            last["usage"] = new JsonObject { ["prompt_tokens"] = u.Prompt, ["completion_tokens"] = u.Completion, ["total_tokens"] = u.Prompt + u.Completion };
            chunks.Add(last.ToJsonString());
        }

        return chunks;
    }

    public static ScriptedReply Error(int status, string message, int? retryAfterSeconds = null) =>
        new(status, _ => new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "server_error" } }.ToJsonString(), RetryAfterSeconds: retryAfterSeconds);

    public static ScriptedReply Hang(TimeSpan delay) => Text("too late", delay: delay);

    private static string Completion(int created, JsonObject message, string finish, int promptTokens, int completionTokens) => new JsonObject
    {
        ["id"] = $"chatcmpl-{created}",
        ["object"] = "chat.completion",
        ["created"] = created,
        ["model"] = "scripted",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finish }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
    }.ToJsonString();
}

/// <summary>Reads the chat requests the agent sent.</summary>
public static class ChatRequest
{
    public static JsonArray Messages(JsonObject request) => request["messages"]!.AsArray();

    public static JsonObject LastMessage(JsonObject request) => Messages(request)[^1]!.AsObject();

    public static bool HasTools(JsonObject request) => request["tools"] is JsonArray { Count: > 0 };

    public static IEnumerable<string> ToolNames(JsonObject request) =>
        (request["tools"] as JsonArray ?? []).Select(t => (string)t!["function"]!["name"]!);

    public static string Text(JsonNode? message) => message?["content"] switch
    {
        JsonValue value => (string?)value ?? "",
        JsonArray parts => string.Concat(parts.Select(p => (string?)p?["text"] ?? "")),
        _ => "",
    };
}
