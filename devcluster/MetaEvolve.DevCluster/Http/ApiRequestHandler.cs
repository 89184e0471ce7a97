using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.Crds.Labels;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Authentication;
using MetaEvolve.DevCluster.Authorization;
using MetaEvolve.DevCluster.Semantics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// Routes every HTTP request: discovery, OpenAPI, health, and the resource verbs. Resource requests
/// are recorded with the caller's identity, verb and resource; failures become Status objects.
/// </summary>
public sealed class ApiRequestHandler(
    ResourceRegistry registry,
    ResourceOperations operations,
    ScaleOperations scales,
    OpenApiDocuments openApi,
    TableConverter tables,
    WatchStreamer watches,
    RequestLog log,
    SubjectAccessReviews reviews,
    DevClusterOptions options,
    ILogger<ApiRequestHandler> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var user = CallerIdentity.Of(context).Name;
        var path = request.Path.Value ?? "/";
        var parsed = ResourcePath.Parse(path, IsNamespaced, out var group, out var version);
        var verb = parsed is null ? request.Method.ToLowerInvariant() : Verb(request, parsed);
        try
        {
            if (parsed is null)
            {
                await NonResource(context, path, group, version);
            }
            else
            {
                await Resource(context, parsed, verb);
            }
        }
        catch (ApiException e)
        {
            await WriteJson(context, e.Code, e.ToStatus());
        }
        catch (JsonException e)
        {
            await WriteJson(context, 400, ApiException.BadRequest($"error decoding request body: {e.Message}").ToStatus());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Request {Method} {Path} failed", request.Method, path);
            await WriteJson(context, 500, new ApiException(500, "InternalError", $"Internal error occurred: {e.Message}").ToStatus());
        }
        finally
        {
            log.Add(new RequestRecord(DateTimeOffset.UtcNow, user, verb, parsed?.Group ?? "", parsed?.Version ?? "",
                parsed?.Resource ?? "", parsed?.Subresource, parsed?.Namespace, parsed?.Name, path, context.Response.StatusCode));
        }
    }

    private bool? IsNamespaced(string group, string version, string resource) =>
        registry.All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == resource)?.Namespaced;

    private static string Verb(HttpRequest request, ResourcePath path)
    {
        var named = path.Name is not null;
        return request.Method switch
        {
            "GET" when path.Watch || IsTrue(request.Query["watch"]) => "watch",
            "GET" => named ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => named ? "delete" : "deletecollection",
            _ => request.Method.ToLowerInvariant(),
        };
    }

    private static bool IsTrue(string? value) => value is "true" or "1";

    private async Task NonResource(HttpContext context, string path, string group, string version)
    {
        var all = registry.All;
        var trimmed = path.TrimEnd('/');
        switch (trimmed)
        {
            case "/version":
                await WriteJson(context, 200, Discovery.Version(options.ServerMinorVersion));
                return;
            case "/healthz" or "/readyz" or "/livez":
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted);
                return;
            case "/api":
                await WriteJson(context, 200, Discovery.CoreVersions($"{context.Request.Host}"));
                return;
            case "/apis":
                await WriteJson(context, 200, Discovery.Groups(all));
                return;
            case "/openapi/v2":
                await OpenApiV2(context);
                return;
            case "/openapi/v3":
                await WriteJson(context, 200, openApi.Index());
                return;
        }

        if (trimmed.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var document = openApi.Document(trimmed["/openapi/v3/".Length..]);
            if (document is null)
            {
                throw ApiException.NotFound("the server could not find the requested resource");
            }

            context.Response.Headers.CacheControl = "public, immutable";
            await WriteJson(context, 200, document);
            return;
        }

        if (trimmed.StartsWith("/apis/", StringComparison.Ordinal) && trimmed.Count(c => c == '/') == 2)
        {
            var groupDocument = Discovery.Group(trimmed["/apis/".Length..], all)
                ?? throw ApiException.NotFound("the server could not find the requested resource");
            await WriteJson(context, 200, groupDocument);
            return;
        }

        if (version.Length > 0)
        {
            var resources = Discovery.Resources(group, version, all)
                ?? throw ApiException.NotFound("the server could not find the requested resource");
            await WriteJson(context, 200, resources);
            return;
        }

        throw ApiException.NotFound("the server could not find the requested resource");
    }

    /// <summary>
    /// kubectl 1.27 loads OpenAPI v2 (as protobuf) before explain; an empty document is a valid
    /// protobuf message that says "no v2 models", after which it uses v3.
    /// </summary>
    private static async Task OpenApiV2(HttpContext context)
    {
        if (context.Request.Headers.Accept.ToString().Contains("protobuf", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
            return;
        }

        await WriteJson(context, 200, new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (MetaEvolve dev control plane)", ["version"] = "unversioned" },
            ["paths"] = new JsonObject(),
        });
    }

    private async Task Resource(HttpContext context, ResourcePath path, string verb)
    {
        var type = registry.Find(path.Group, path.Version, path.Resource)
            ?? throw ApiException.NotFound("the server could not find the requested resource");
        var query = context.Request.Query;
        var ns = path.Namespace ?? "";
        if (type.Namespaced && path.Namespace is null && verb is not ("list" or "watch" or "deletecollection"))
        {
            throw ApiException.NotFound("the server could not find the requested resource");
        }

        var write = new WriteOptions(DryRun: query["dryRun"].Count > 0, FieldValidation: FieldValidationOf(query["fieldValidation"]));
        var accept = context.Request.Headers.Accept.ToString();
        var asTable = accept.Contains("as=Table", StringComparison.Ordinal);
        var includeObject = query["includeObject"].ToString();

        if (path.Subresource is { } sub && sub != "status" && sub != "scale" && !(sub == "finalize" && type.Plural == "namespaces"))
        {
            throw ApiException.NotFound("the server could not find the requested resource");
        }

        if (path.Subresource == "status" && !type.HasStatus || path.Subresource == "scale" && type.Scale is null)
        {
            throw ApiException.NotFound("the server could not find the requested resource");
        }

        if (type.Verbs is { } served && !served.Contains(verb, StringComparer.Ordinal))
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }

        JsonObject result;
        var code = 200;
        switch (verb)
        {
            case "create" when type.GroupResource == SubjectAccessReviews.Resource:
                result = reviews.Review(await Body(context));
                code = 201;
                break;
            case "create" when type.GroupResource == SelfSubjectReviews.Resource:
                result = SelfSubjectReviews.Review(CallerIdentity.Of(context));
                code = 201;
                break;
            case "get" when path.Subresource == "scale":
                result = scales.Get(type, ns, path.Name!);
                break;
            case "get":
                result = operations.Get(type, ns, path.Name!);
                if (asTable)
                {
                    result = tables.Convert(type, [result], null, includeObject);
                }

                break;
            case "list":
                {
                    var list = operations.List(type, path.Namespace, ListOptionsOf(query, path));
                    result = asTable
                        ? tables.Convert(type, list["items"]!.AsArray().OfType<JsonObject>(), list["metadata"]!.AsObject(), includeObject)
                        : list;
                    break;
                }

            case "watch":
                await Watch(context, type, path, asTable, includeObject);
                return;
            case "create" when path.Name is null:
                result = operations.Create(type, ns, await Body(context), write);
                code = 201;
                break;
            case "update" when path.Subresource == "scale":
                result = scales.Update(type, ns, path.Name!, await Body(context), write);
                break;
            case "update":
                result = operations.Update(type, ns, path.Name!, await Body(context), path.Subresource == "finalize" ? null : path.Subresource, write);
                break;
            case "patch" when path.Subresource == "scale":
                result = scales.Patch(type, ns, path.Name!, context.Request.ContentType ?? "", await Text(context), write);
                break;
            case "patch":
                result = operations.Patch(type, ns, path.Name!, context.Request.ContentType ?? "", await Text(context), path.Subresource, write);
                break;
            case "delete":
                result = operations.Delete(type, ns, path.Name!, await DeleteOptionsOf(context));
                break;
            case "deletecollection":
                result = operations.DeleteCollection(type, path.Namespace, ListOptionsOf(query, path), await DeleteOptionsOf(context));
                break;
            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }

        foreach (var warning in write.Warnings)
        {
            context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        await WriteJson(context, code, result);
    }

    private async Task Watch(HttpContext context, ResourceType type, ResourcePath path, bool asTable, string includeObject)
    {
        var query = context.Request.Query;
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : options.DefaultWatchTimeout;
        var request = new WatchStreamer.Request(type, path.Namespace, ListOptionsOf(query, path), query["resourceVersion"].ToString(),
            timeout, IsTrue(query["allowWatchBookmarks"]), IsTrue(query["sendInitialEvents"]), asTable, includeObject);
        var subscription = watches.Subscribe(request);
        await watches.StreamAsync(context, request, subscription, context.RequestAborted);
    }

    private static ListOptions ListOptionsOf(IQueryCollection query, ResourcePath path)
    {
        var fields = query["fieldSelector"].ToString();
        if (path.Name is not null)
        {
            // Legacy /watch/.../name and watch on a named URL select that one object.
            fields = string.IsNullOrEmpty(fields) ? $"metadata.name={path.Name}" : $"{fields},metadata.name={path.Name}";
        }

        return new ListOptions(
            LabelSelector.ParseRequest(query["labelSelector"]),
            FieldSelector.Parse(fields),
            int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : 0,
            query["continue"].ToString());
    }

    private static FieldValidation FieldValidationOf(string? value) => value switch
    {
        "Ignore" => FieldValidation.Ignore,
        "Warn" => FieldValidation.Warn,
        "Strict" => FieldValidation.Strict,
        // The real server's default for requests that do not say is Warn.
        _ => FieldValidation.Warn,
    };

    private static async Task<DeleteOptions> DeleteOptionsOf(HttpContext context)
    {
        var query = context.Request.Query;
        JsonObject? body;
        if ((context.Request.ContentType ?? "").StartsWith("application/vnd.kubernetes.protobuf", StringComparison.Ordinal))
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.Length == 0 ? null : ProtobufBodies.Decode(buffer.ToArray());
        }
        else
        {
            var text = await Text(context);
            body = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
        }

        var policy = (string?)body?["propagationPolicy"] ?? NullIfEmpty(query["propagationPolicy"]);
        var orphan = body?["orphanDependents"]?.GetValue<bool>() ?? (query["orphanDependents"].Count > 0 ? IsTrue(query["orphanDependents"]) : (bool?)null);
        if (policy is null && orphan is { } o)
        {
            policy = o ? "Orphan" : "Background";
        }

        var dryRun = body?["dryRun"] is JsonArray { Count: > 0 } || query["dryRun"].Count > 0;
        return new DeleteOptions(policy, (string?)body?["preconditions"]?["uid"], (string?)body?["preconditions"]?["resourceVersion"], dryRun);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static async Task<string> Text(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    private static async Task<JsonObject> Body(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "";
        if (contentType.StartsWith("application/vnd.kubernetes.protobuf", StringComparison.Ordinal))
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return ProtobufBodies.Decode(buffer.ToArray());
        }

        if (contentType.StartsWith("application/yaml", StringComparison.Ordinal))
        {
            return Manifests.ManifestReader.Read(await Text(context)) is [var single] ? single : throw ApiException.BadRequest("request body must be one YAML object");
        }

        if (!contentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            throw new ApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json (got {contentType})");
        }

        return JsonNode.Parse(await Text(context)) as JsonObject ?? throw ApiException.BadRequest("request body must be a JSON object");
    }

    private static async Task WriteJson(HttpContext context, int code, JsonObject body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
