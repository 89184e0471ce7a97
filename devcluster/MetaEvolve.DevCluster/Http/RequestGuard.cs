using MetaEvolve.DevCluster.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// The first thing every request meets. The dev control plane runs what it is sent as the developer, so it only
/// answers callers that hold a kubeconfig's token, and refuses what a web page could make a browser send: any request
/// with an <c>Origin</c> header (cross-site requests and fetches carry one), a <c>Host</c> other than loopback (DNS
/// rebinding), and a body whose content type Kubernetes does not take (HTML forms can post <c>text/plain</c> without a
/// preflight). Without a token, only <c>/healthz</c>, <c>/livez</c>, <c>/readyz</c> and <c>/version</c> answer, as
/// <c>system:public-info-viewer</c> allows on a real cluster; everything else is 401.
/// </summary>
public sealed class RequestGuard(CallerIdentity identity, RequestLog log)
{
    private static readonly string[] PublicPaths = ["/healthz", "/livez", "/readyz", "/version"];
    private static readonly string[] LoopbackHosts = ["127.0.0.1", "localhost", "[::1]"];

    // What kube-apiserver decodes (JSON, YAML, protobuf; the four patch types; DeleteOptions as JSON or protobuf).
    private static readonly string[] ObjectTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
    private static readonly string[] PatchTypes =
        ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];
    private static readonly string[] DeleteTypes = ["application/json", "application/vnd.kubernetes.protobuf"];

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (request.Headers.Origin.Count > 0)
        {
            await Refuse(context, Caller.Anonymous, 403, "Forbidden", "requests with an Origin header (from a web browser) are refused by the dev control plane");
            return;
        }

        if (!LoopbackHosts.Contains(request.Host.Host, StringComparer.OrdinalIgnoreCase))
        {
            await Refuse(context, Caller.Anonymous, 403, "Forbidden", $"Host \"{request.Host}\" is not loopback: the dev control plane answers only 127.0.0.1, [::1] and localhost");
            return;
        }

        var caller = identity.Authenticate(request);
        if (caller is null && !(request.Method == "GET" && IsPublic(request.Path.Value) && request.Headers.Authorization.Count == 0))
        {
            await Refuse(context, Caller.Anonymous, 401, "Unauthorized", "Unauthorized: a bearer token from a dev control plane kubeconfig is required");
            return;
        }

        if (ContentTypeError(context) is { } error)
        {
            await Refuse(context, caller?.Name ?? Caller.Anonymous, 415, "UnsupportedMediaType", error);
            return;
        }

        if (caller is not null)
        {
            context.Items[typeof(Caller)] = caller;
        }

        await next(context);
    }

    private static bool IsPublic(string? path) => PublicPaths.Any(p => path == p || path?.StartsWith(p + "/", StringComparison.Ordinal) == true);

    private static string? ContentTypeError(HttpContext context)
    {
        var request = context.Request;
        var accepted = request.Method switch
        {
            "POST" or "PUT" => ObjectTypes,
            "PATCH" => PatchTypes,
            "DELETE" when context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true => DeleteTypes,
            _ => null,
        };
        if (accepted is null)
        {
            return null;
        }

        var mediaType = (request.ContentType ?? "").Split(';')[0].Trim();
        return accepted.Contains(mediaType, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)} (got \"{request.ContentType}\")";
    }

    private async Task Refuse(HttpContext context, string user, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new ApiException(code, reason, message).ToStatus().ToJsonString(), context.RequestAborted);
        log.Add(new RequestRecord(DateTimeOffset.UtcNow, user, context.Request.Method.ToLowerInvariant(), "", "", "", null, null, null,
            context.Request.Path.Value ?? "", code));
    }
}
