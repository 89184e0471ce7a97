using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Auth;

namespace MetaEvolve.Gateway.Api;

/// <summary>What the caller's API key may reach: its namespaces, its scopes, and (without admin) only its own tasks.</summary>
public static class KeyAccess
{
    public static ApiKeyIdentity? Caller(HttpContext context) => context.Features.Get<ApiKeyIdentity>();

    /// <summary>Null when the key may use <paramref name="scope"/> in <paramref name="ns"/>, else the 403 problem naming what is missing.</summary>
    public static IResult? Refuse(HttpContext context, string ns, string scope)
    {
        var identity = Caller(context);
        if (identity is null || !identity.MayUse(ns))
        {
            return Forbidden("Namespace not allowed", $"API key '{identity?.Name}' may not use namespace '{ns}'");
        }
        return identity.Has(scope) ? null : Forbidden("Scope missing", $"API key '{identity.Name}' lacks the '{scope}' scope");
    }

    /// <summary>Null when the key holds <paramref name="scope"/>, else the 403 problem naming it (for requests naming no namespace).</summary>
    public static IResult? RefuseScope(HttpContext context, string scope) =>
        Caller(context) is { } identity && identity.Has(scope)
            ? null
            : Forbidden("Scope missing", $"API key '{Caller(context)?.Name}' lacks the '{scope}' scope");

    /// <summary>Null when the key may submit to <paramref name="agent"/>, else the 403 problem naming it.</summary>
    public static IResult? RefuseAgent(HttpContext context, string agent) =>
        Caller(context) is { } identity && !identity.MayCall(agent)
            ? Forbidden("Agent not allowed", $"API key '{identity.Name}' may not submit to agent '{agent}'")
            : null;

    /// <summary>
    /// A task the key may not see looks exactly like a missing one: outside its namespaces, or another key's task
    /// without admin. Its existence is not disclosed.
    /// </summary>
    public static bool Hides(HttpContext context, TaskRecord task) =>
        Caller(context) is not { } identity || !identity.MayUse(task.Namespace) || !identity.Owns(task.SubmittedBy);

    private static IResult Forbidden(string title, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: title, detail: detail);
}
