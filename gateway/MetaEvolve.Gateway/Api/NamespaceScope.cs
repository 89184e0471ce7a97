using MetaEvolve.Gateway.Auth;

namespace MetaEvolve.Gateway.Api;

/// <summary>Checks that the caller's API key covers a namespace.</summary>
public static class NamespaceScope
{
    /// <summary>Null when allowed, else the 403 problem naming the key and the namespace.</summary>
    public static IResult? Refuse(HttpContext context, string ns)
    {
        ArgumentNullException.ThrowIfNull(context);
        var identity = context.Features.Get<ApiKeyIdentity>();
        if (identity is not null && identity.MayUse(ns))
        {
            return null;
        }
        return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Namespace not allowed",
            detail: $"API key '{identity?.Name}' may not use namespace '{ns}'");
    }

    /// <summary>A task outside the key's namespaces looks exactly like a missing one: its existence is not disclosed.</summary>
    public static bool Hides(HttpContext context, string ns) =>
        context.Features.Get<ApiKeyIdentity>() is not { } identity || !identity.MayUse(ns);
}
