using System.Text.Json;
using System.Text.Json.Serialization;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.Gateway.Api;

/// <summary>
/// Reads and validates a submission body. Every refusal is a problem result naming the field or the cause;
/// nothing here touches the store or the queue.
/// </summary>
public static class SubmitRequestReader
{
    public const int MaxThreadIdLength = 200;
    public const int MaxIdempotencyKeyLength = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // A misspelt field ("mesage") is an error, not a silently empty task.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
    };

    public sealed record Parsed(TaskInput Input, string? ThreadId, DateTimeOffset? Deadline, string? IdempotencyKey);

    /// <summary>Returns the parsed submission, or the problem to answer with.</summary>
    public static async Task<(Parsed? Submission, IResult? Problem)> ReadAsync(HttpRequest request, long maxBodyBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBodyBytes)
        {
            return (null, TooLarge(maxBodyBytes));
        }
        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"the body must be application/json, not '{type}'"));
        }

        SubmitTaskRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<SubmitTaskRequest>(request.Body, Json, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(maxBodyBytes));
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 1 } path ? $" at '{path}'" : "";
            return (null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON",
                detail: $"the body is not a valid task request{where}: {ex.Message}",
                extensions: new Dictionary<string, object?> { ["field"] = ex.Path }));
        }
        if (body is null)
        {
            return (null, Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["a JSON object is required"] }));
        }

        var errors = new Dictionary<string, string[]>();
        TaskInput? input = null;
        if ((body.Message is null) == (body.Call is null))
        {
            errors["message"] = ["give exactly one of 'message' (chat) or 'call' (skill function)"];
        }
        else if (body.Message is { } message)
        {
            if (string.IsNullOrWhiteSpace(message))
            {
                errors["message"] = ["must not be empty"];
            }
            input = TaskInput.Chat(message);
        }
        else if (body.Call is { } call)
        {
            if (string.IsNullOrWhiteSpace(call.Skill))
            {
                errors["call.skill"] = ["is required"];
            }
            if (string.IsNullOrWhiteSpace(call.Function))
            {
                errors["call.function"] = ["is required"];
            }
            if (call.Arguments is { } args && args.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                errors["call.arguments"] = [$"must be a JSON object, not {args.ValueKind}"];
            }
            input = TaskInput.Direct(call.Skill ?? "", call.Function ?? "", call.Arguments is { ValueKind: JsonValueKind.Object } a ? a : null);
        }
        if (body.ThreadId is { } thread && (thread.Length is 0 or > MaxThreadIdLength))
        {
            errors["threadId"] = [$"must be 1-{MaxThreadIdLength} characters"];
        }
        if (body.TimeoutSeconds is <= 0)
        {
            errors["timeoutSeconds"] = ["must be positive"];
        }
        var key = request.Headers["Idempotency-Key"].ToString();
        if (key.Length > MaxIdempotencyKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            errors["Idempotency-Key"] = [$"must be at most {MaxIdempotencyKeyLength} printable ASCII characters without spaces"];
        }
        if (errors.Count > 0)
        {
            return (null, Results.ValidationProblem(errors, title: "The task request is not valid"));
        }
        var deadline = body.TimeoutSeconds is { } seconds ? DateTimeOffset.UtcNow.AddSeconds(seconds) : (DateTimeOffset?)null;
        return (new Parsed(input!, body.ThreadId, deadline, key.Length == 0 ? null : key), null);
    }

    private static IResult TooLarge(long maxBodyBytes) => Results.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request body too large",
        detail: $"the body exceeds the limit of {maxBodyBytes} bytes");
}
