using Microsoft.AspNetCore.Http;

namespace MetaEvolve.DevCluster.Authentication;

/// <summary>
/// Who a request comes from: the bearer token of a named user (<see cref="StaticTokens"/>) or of a pod's
/// ServiceAccount. Every authenticated caller is in <c>system:authenticated</c>; ServiceAccounts also in
/// <c>system:serviceaccounts</c> and <c>system:serviceaccounts:&lt;ns&gt;</c>, as Kubernetes names them.
/// </summary>
public sealed class CallerIdentity(ClusterCredentials credentials)
{
    /// <summary>The caller of a request <see cref="Http.RequestGuard"/> let through.</summary>
    public static Caller Of(HttpContext context) =>
        context.Items[typeof(Caller)] as Caller ?? new Caller(Caller.Anonymous, ["system:unauthenticated"]);

    /// <summary>The caller a request's bearer token names; null without a token or with one nobody was given.</summary>
    public Caller? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header["Bearer ".Length..].Trim();
        if (credentials.Tokens.CallerOf(token) is { } user)
        {
            return user with { Groups = [.. user.Groups, Caller.Authenticated] };
        }

        if (credentials.ServiceAccounts.AccountOf(token) is { } account)
        {
            return new Caller(ServiceAccountTokens.UserName(account.Namespace, account.Name),
                ["system:serviceaccounts", $"system:serviceaccounts:{account.Namespace}", Caller.Authenticated]);
        }

        return null;
    }
}
