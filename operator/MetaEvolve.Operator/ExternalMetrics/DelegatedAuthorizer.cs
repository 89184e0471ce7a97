using System.Collections.Concurrent;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// k8s.io/apiserver's delegating authorizer: asks the API server, with a SubjectAccessReview, whether the user the
/// aggregator named may make the request, and reuses the answer (allowed or denied) for
/// <see cref="ExternalMetricsOptions.AuthorizationCacheTtl"/>. A review that fails is an error, never an allow.
/// The operator may create reviews through the built-in ClusterRole <c>system:auth-delegator</c>.
/// </summary>
[RequiresBuiltInRole("ClusterRole", "system:auth-delegator")]
public sealed class DelegatedAuthorizer(IKubernetes kubernetes, ExternalMetricsOptions options, TimeProvider time)
{
    private const int MaxCachedDecisions = 4096;
    private readonly ConcurrentDictionary<string, (AuthorizationDecision Decision, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public async Task<AuthorizationDecision> AuthorizeAsync(AggregatorUser user, AuthorizationAttributes attributes, CancellationToken cancellationToken)
    {
        var key = CacheKey(user, attributes);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            return cached.Decision;
        }

        V1SubjectAccessReview answer;
        try
        {
            answer = await kubernetes.AuthorizationV1.CreateSubjectAccessReviewAsync(Review(user, attributes), cancellationToken: cancellationToken);
        }
        catch (Exception exception) when (exception is HttpOperationException or HttpRequestException
                                              || exception is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var detail = exception is HttpOperationException http ? $"{(int)http.Response.StatusCode} {http.Response.Content}" : exception.Message;
            throw new AuthorizationUnavailableException($"authorization of user \"{user.Name}\" to {attributes} failed: SubjectAccessReview: {detail}");
        }

        var decision = new AuthorizationDecision(answer.Status?.Allowed == true && answer.Status.Denied != true, answer.Status?.Reason ?? answer.Status?.EvaluationError ?? "");
        if (_cache.Count >= MaxCachedDecisions)
        {
            foreach (var (expired, _) in _cache.Where(p => p.Value.Expires <= now))
            {
                _cache.TryRemove(expired, out _);
            }
        }

        _cache[key] = (decision, now + options.AuthorizationCacheTtl);
        return decision;
    }

    public static V1SubjectAccessReview Review(AggregatorUser user, AuthorizationAttributes attributes) => new()
    {
        ApiVersion = "authorization.k8s.io/v1",
        Kind = "SubjectAccessReview",
        Spec = new V1SubjectAccessReviewSpec
        {
            User = user.Name,
            Groups = [.. user.Groups],
            Extra = user.Extra.Count == 0 ? null : user.Extra.ToDictionary(p => p.Key, p => (IList<string>)[.. p.Value]),
            ResourceAttributes = attributes.IsResourceRequest
                ? new V1ResourceAttributes
                {
                    Verb = attributes.Verb,
                    Group = ExternalMetricsDocuments.Group,
                    Version = ExternalMetricsDocuments.Version,
                    Resource = attributes.Resource,
                    NamespaceProperty = attributes.Namespace,
                    Name = attributes.Name,
                }
                : null,
            NonResourceAttributes = attributes.IsResourceRequest ? null : new V1NonResourceAttributes { Path = attributes.Path, Verb = attributes.Verb },
        },
    };

    private static string CacheKey(AggregatorUser user, AuthorizationAttributes attributes) =>
        string.Join('\0', [user.Name, string.Join('\u0001', user.Groups), .. user.Extra.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + string.Join('\u0001', p.Value)), attributes.Verb, attributes.Path]);
}

/// <summary>The API server's answer: allowed or not, and its reason (the binding that allowed, or empty).</summary>
public sealed record AuthorizationDecision(bool Allowed, string Reason);

/// <summary>No decision could be had (the review failed); the request is refused with this message.</summary>
public sealed class AuthorizationUnavailableException(string message) : Exception(message);
