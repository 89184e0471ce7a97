using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace MetaEvolve.Release.Tests;

/// <summary>Direct calls of the sample skill <c>text-stats.WordCount</c> through a release's gateway, and their results.</summary>
public sealed class TaskCalls(HttpClient gateway, string ns)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Submits one call under <paramref name="idempotencyKey"/>, with <c>?wait=30s</c> when <paramref name="wait"/>.
    /// Until <paramref name="retryUntil"/>, a submission that did not get an answer (connection refused or reset, 502,
    /// 503, 429) is sent again under the same key, as a client of a rolling gateway does; the key makes it one task.
    /// </summary>
    public async Task<JsonObject> CallAsync(string idempotencyKey, string text, bool wait, DateTime? retryUntil = null)
    {
        var body = new JsonObject
        {
            ["call"] = new JsonObject
            {
                ["skill"] = "text-stats",
                ["function"] = "WordCount",
                ["arguments"] = new JsonObject { ["text"] = text },
            },
        };
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/namespaces/{ns}/agents/text-tools/tasks" + (wait ? "?wait=30s" : ""))
            {
                Content = JsonContent.Create(body),
            };
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            string? problem;
            try
            {
                using var response = await gateway.SendAsync(request, Ct);
                var answer = await response.Content.ReadAsStringAsync(Ct);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted)
                {
                    return JsonNode.Parse(answer)!.AsObject();
                }

                Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests,
                    $"POST {request.RequestUri} answered {(int)response.StatusCode}: {answer}");
                problem = $"{(int)response.StatusCode}: {answer}";
            }
            catch (HttpRequestException e)
            {
                problem = e.Message;
            }

            Assert.True(retryUntil is { } until && DateTime.UtcNow < until, $"task {idempotencyKey} was not accepted: {problem}");
            await Task.Delay(TimeSpan.FromMilliseconds(200), Ct);
        }
    }

    /// <summary>The task once it has ended; fails the test when it has not ended within <paramref name="limit"/>.</summary>
    public async Task<JsonObject> WaitAsync(string id, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            JsonObject? task = null;
            try
            {
                task = await gateway.GetFromJsonAsync<JsonObject>($"v1/tasks/{id}?wait=20s", Ct);
            }
            catch (HttpRequestException e) when (DateTime.UtcNow < deadline)
            {
                TestContext.Current.SendDiagnosticMessage($"GET task {id}: {e.Message}; asking again");
            }

            var status = (string?)task?["status"];
            if (status is "succeeded" or "failed" or "cancelled")
            {
                return task!;
            }

            Assert.True(DateTime.UtcNow < deadline, $"task {id} has not ended within {limit}: {task?.ToJsonString()}");
        }
    }
}
