using Microsoft.AspNetCore.Http;

namespace MetaEvolve.DevCluster.Authentication;

/// <summary>
/// Who a request comes from, as the request log records it: the ServiceAccount of a token the control plane
/// issued, a user configured for a token (<see cref="DevClusterOptions.Users"/>), or else the token itself
/// (tests and dev tools name their caller that way); no token is <c>system:anonymous</c>.
/// </summary>
public sealed class CallerIdentity(ServiceAccountTokens tokens, DevClusterOptions options)
{
    public string Of(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return "system:anonymous";
        }

        var token = header["Bearer ".Length..].Trim();
        return tokens.UserOf(token) ?? (options.Users.TryGetValue(token, out var user) ? user : token);
    }
}
