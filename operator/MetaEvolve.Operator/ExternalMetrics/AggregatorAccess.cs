using System.Text.Json.Nodes;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// The gate in front of <see cref="ExternalMetricsApi"/>: authenticates the aggregator (401 otherwise), then
/// authorizes the user it names with a SubjectAccessReview (403 when denied, 500 when no decision could be had).
/// Every refusal is a metav1 Status whose message says why, as the API server writes them.
/// </summary>
public sealed class AggregatorAccess(RequestHeaderSource settings, DelegatedAuthorizer authorizer, TimeProvider time, ILogger<AggregatorAccess> logger)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        AggregatorUser user;
        try
        {
            var current = settings.Current(out var problem) ?? throw new AuthenticationRefusedException(problem ?? "no requestheader settings");
            user = RequestHeaderAuthenticator.Authenticate(context.Connection.ClientCertificate, context.Request.Headers, current, time.GetUtcNow());
        }
        catch (AuthenticationRefusedException exception)
        {
            logger.LogInformation("External metrics {Method} {Path} from {Remote} refused: {Reason}", context.Request.Method, context.Request.Path.Value,
                context.Connection.RemoteIpAddress, exception.Message);
            await WriteAsync(context, 401, ExternalMetricsDocuments.Status(401, "Unauthorized", $"Unauthorized: {exception.Message}"));
            return;
        }

        var attributes = AuthorizationAttributes.Of(context.Request.Method, context.Request.Path.Value ?? "/");
        AuthorizationDecision decision;
        try
        {
            decision = await authorizer.AuthorizeAsync(user, attributes, context.RequestAborted);
        }
        catch (AuthorizationUnavailableException exception)
        {
            logger.LogWarning("External metrics {Method} {Path}: {Problem}", context.Request.Method, context.Request.Path.Value, exception.Message);
            await WriteAsync(context, 500, ExternalMetricsDocuments.Status(500, "InternalError", $"Internal error occurred: {exception.Message}"));
            return;
        }

        if (!decision.Allowed)
        {
            var message = $"{ExternalMetricsDocuments.Group} \"{attributes.Resource ?? attributes.Path}\" is forbidden: User \"{user.Name}\" cannot {attributes}"
                + (decision.Reason.Length > 0 ? $": {decision.Reason}" : "");
            logger.LogInformation("External metrics: {Message}", message);
            await WriteAsync(context, 403, ExternalMetricsDocuments.Status(403, "Forbidden", message));
            return;
        }

        context.Items[typeof(AggregatorUser)] = user;
        await next(context);
    }

    private static async Task WriteAsync(HttpContext context, int code, JsonObject status)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(status.ToJsonString(), context.RequestAborted);
    }
}
