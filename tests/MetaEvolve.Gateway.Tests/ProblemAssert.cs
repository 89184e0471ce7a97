using System.Net;
using System.Text.Json;

namespace MetaEvolve.Gateway.Tests;

/// <summary>Checks an RFC 9457 problem answer: status, media type, and that it names the field or cause.</summary>
public static class ProblemAssert
{
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string mentions)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var problem = document.RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("title", out _), body);
        Assert.Contains(mentions, body, StringComparison.OrdinalIgnoreCase);
        return problem;
    }
}
