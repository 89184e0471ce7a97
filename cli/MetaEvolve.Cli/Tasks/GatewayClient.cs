using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace MetaEvolve.Cli.Tasks;

/// <summary>The gateway's task API (and its listing of skill proposals) as the CLI uses it. A refusal becomes a <see cref="GatewayException"/> carrying the problem details.</summary>
public sealed class GatewayClient(HttpClient http, GatewaySettings settings) : IDisposable
{
    /// <summary>The longest single wait the CLI asks for; longer waits are a loop of these.</summary>
    public static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(55);

    public static GatewayClient Create(GatewaySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var http = new HttpClient { BaseAddress = settings.Url, Timeout = WaitSlice + TimeSpan.FromSeconds(30) };
        if (settings.ApiKey is { } key)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return new GatewayClient(http, settings);
    }

    public GatewaySettings Settings => settings;

    /// <summary>
    /// Submits a task. With a <paramref name="wait"/>, the gateway answers with the task itself when it ends within
    /// the wait (one request for a synchronous call), else with the acceptance.
    /// </summary>
    public async Task<JsonElement> SubmitAsync(string ns, string agent, object body, string? idempotencyKey, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Relative($"/v1/namespaces/{Uri.EscapeDataString(ns)}/agents/{Uri.EscapeDataString(agent)}/tasks{WaitQuery(wait)}"))
        {
            Content = JsonContent.Create(body),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await SendAsync(request, cancellationToken);
    }

    public Task<JsonElement> GetAsync(Guid id, TimeSpan wait, CancellationToken cancellationToken)
    {
        return SendAsync(new HttpRequestMessage(HttpMethod.Get, Relative($"/v1/tasks/{id:D}{WaitQuery(wait)}")), cancellationToken);
    }

    private static string WaitQuery(TimeSpan wait) =>
        wait > TimeSpan.Zero ? string.Create(CultureInfo.InvariantCulture, $"?wait={(int)Math.Ceiling(wait.TotalSeconds)}s") : "";

    /// <summary>Waits until the task ends or waits for approval (in slices the gateway honours), or <paramref name="timeout"/> passes.</summary>
    public async Task<JsonElement> WaitAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var left = until - DateTimeOffset.UtcNow;
            var task = await GetAsync(id, left < WaitSlice ? left : WaitSlice, cancellationToken);
            if (TaskPrinter.IsFinal(task) || TaskPrinter.AwaitsApproval(task) || DateTimeOffset.UtcNow >= until)
            {
                return task;
            }
        }
    }

    /// <summary>
    /// The task's server-sent events (<c>GET /v1/tasks/{id}/events</c>) as (event, data) pairs, until the gateway ends
    /// the stream. A refusal throws as any request does.
    /// </summary>
    public async IAsyncEnumerable<(string Event, string Data)> EventsAsync(Guid id, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Relative($"/v1/tasks/{id:D}/events"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new GatewayException(0, $"cannot reach the gateway at {settings.Url} ({settings.Source}): {ex.Message}", null);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                JsonElement body = default;
                try
                {
                    using var document = JsonDocument.Parse(text);
                    body = document.RootElement.Clone();
                }
                catch (JsonException)
                {
                }
                throw new GatewayException((int)response.StatusCode, Describe(response.StatusCode, body, text), body.ValueKind == JsonValueKind.Object ? body : null);
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            var name = "message";
            var data = new System.Text.StringBuilder();
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Length > 0)
                    {
                        yield return (name, data.ToString());
                    }
                    (name, data) = ("message", data.Clear());
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    name = line[6..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(data.Length > 0 ? "\n" : "").Append(line[5..].TrimStart(' '));
                }
            }
        }
    }

    public Task<JsonElement> ListAsync(string ns, string? status, bool deadLettered, int limit, CancellationToken cancellationToken)
    {
        var query = string.Create(CultureInfo.InvariantCulture, $"?limit={limit}")
            + (status is null ? "" : $"&status={Uri.EscapeDataString(status)}")
            + (deadLettered ? "&deadLettered=true" : "");
        return SendAsync(new HttpRequestMessage(HttpMethod.Get, Relative($"/v1/namespaces/{Uri.EscapeDataString(ns)}/tasks{query}")), cancellationToken);
    }

    /// <summary>The namespace's skill proposals, newest first (<c>{"items": [...]}</c>); without a limit, the gateway's default.</summary>
    public Task<JsonElement> ListProposalsAsync(string ns, string? agent, int? limit, CancellationToken cancellationToken)
    {
        var query = string.Join('&', new[]
        {
            agent is null ? null : $"agent={Uri.EscapeDataString(agent)}",
            limit is { } n ? string.Create(CultureInfo.InvariantCulture, $"limit={n}") : null,
        }.OfType<string>());
        return SendAsync(new HttpRequestMessage(HttpMethod.Get, Relative($"/v1/namespaces/{Uri.EscapeDataString(ns)}/proposals{(query.Length > 0 ? "?" + query : "")}")), cancellationToken);
    }

    public Task<JsonElement> CancelAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Delete, Relative($"/v1/tasks/{id:D}")), cancellationToken);

    public Task<JsonElement> RetryAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, Relative($"/v1/tasks/{id:D}/retry")), cancellationToken);

    /// <summary><c>POST /v1/tasks/{id}/approve</c> or <c>/reject</c>, with the reason the model is told on a reject.</summary>
    public Task<JsonElement> DecideAsync(Guid id, bool approve, string? reason, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, Relative($"/v1/tasks/{id:D}/{(approve ? "approve" : "reject")}"))
        {
            Content = JsonContent.Create(new { reason }),
        }, cancellationToken);

    public void Dispose() => http.Dispose();

    private static Uri Relative(string path) => new(path, UriKind.Relative);

    private async Task<JsonElement> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                throw new GatewayException(0, $"cannot reach the gateway at {settings.Url} ({settings.Source}): {ex.Message}", null);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new GatewayException(0, $"the gateway at {settings.Url} did not answer in time", null, ex);
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                JsonElement body = default;
                if (text.Length > 0)
                {
                    try
                    {
                        using var document = JsonDocument.Parse(text);
                        body = document.RootElement.Clone();
                    }
                    catch (JsonException)
                    {
                        // Not JSON (a proxy's error page): reported as text below.
                    }
                }
                if (response.IsSuccessStatusCode)
                {
                    return body;
                }
                throw new GatewayException((int)response.StatusCode, Describe(response.StatusCode, body, text), body.ValueKind == JsonValueKind.Object ? body : null);
            }
        }
    }

    // "404 Unknown agent: agent 'x' is not known in namespace 'y'" plus one line per invalid field.
    private static string Describe(HttpStatusCode status, JsonElement body, string text)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return $"{(int)status} {status}: {text.Trim()}";
        }
        var title = body.TryGetProperty("title", out var t) ? t.GetString() : status.ToString();
        var detail = body.TryGetProperty("detail", out var d) ? d.GetString() : null;
        var message = $"{(int)status} {title}" + (detail is null ? "" : $": {detail}");
        if (body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in errors.EnumerateObject())
            {
                message += $"\n  {field.Name}: {string.Join("; ", field.Value.EnumerateArray().Select(e => e.GetString()))}";
            }
        }
        return message;
    }
}

/// <summary>The gateway refused a request or could not be reached (<see cref="Status"/> 0).</summary>
public sealed class GatewayException : Exception
{
    public GatewayException() { }
    public GatewayException(string message) : base(message) { }
    public GatewayException(string message, Exception innerException) : base(message, innerException) { }

    public GatewayException(int status, string message, JsonElement? problem, Exception? innerException = null) : base(message, innerException)
    {
        Status = status;
        Problem = problem;
    }

    public int Status { get; }
    public JsonElement? Problem { get; }
}
