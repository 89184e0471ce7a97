using MetaEvolve.Core.Store;
using MetaEvolve.Gateway.Auth;

namespace MetaEvolve.Gateway.Api;

/// <summary><c>GET /v1/namespaces/{ns}/agents[/{agent}]</c>: what the store knows of the agents.</summary>
public static class AgentEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapGet("/namespaces/{ns}/agents", ListAsync)
            .WithName("ListAgents")
            .WithSummary("The agents of a namespace: pool, model and resolved skill versions.")
            .Produces<AgentView[]>();
        v1.MapGet("/namespaces/{ns}/agents/{agent}", GetAsync)
            .WithName("GetAgent")
            .WithSummary("One agent: pool, model and resolved skill versions.")
            .Produces<AgentView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(string ns, HttpContext context, AgentRepository agents, CancellationToken cancellationToken)
    {
        if (KeyAccess.Refuse(context, ns, KeyScopes.Read) is { } forbidden)
        {
            return forbidden;
        }
        var rows = await agents.ListAsync(ns, cancellationToken);
        return TypedResults.Ok(rows.Select(AgentView.From).ToArray());
    }

    private static async Task<IResult> GetAsync(string ns, string agent, HttpContext context, AgentRepository agents, CancellationToken cancellationToken)
    {
        if (KeyAccess.Refuse(context, ns, KeyScopes.Read) is { } forbidden)
        {
            return forbidden;
        }
        return await agents.GetAsync(ns, agent, cancellationToken) is { } row
            ? TypedResults.Ok(AgentView.From(row))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown agent",
                detail: $"agent '{agent}' is not known in namespace '{ns}'", extensions: new Dictionary<string, object?> { ["field"] = "agent" });
    }
}
