using System.Globalization;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Auth;

namespace MetaEvolve.Gateway.Api;

/// <summary><c>GET /v1/namespaces/{ns}/proposals</c>: the skills agents proposed in a namespace and what became of them.</summary>
public static class SkillProposalEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static void Map(RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapGet("/namespaces/{ns}/proposals", ListAsync)
            .WithName("ListSkillProposals")
            .WithSummary("The namespace's skill proposals, newest first, optionally of one agent: state, reason and diagnostics, without the proposed source.")
            .Produces<SkillProposalList>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }

    // limit and agent arrive as text so a malformed value is a problem naming the parameter, not a bare 400 from binding.
    private static async Task<IResult> ListAsync(string ns, HttpContext context, SkillProposalRepository proposals, string? agent, string? limit, CancellationToken cancellationToken)
    {
        if (KeyAccess.Refuse(context, ns, KeyScopes.Read) is { } forbidden)
        {
            return forbidden;
        }
        if (agent is not null && !TaskEnvelopeCodec.IsDnsLabel(agent))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["agent"] = ["must be an agent name: a DNS-1123 label of at most 50 characters"] });
        }
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"must be a whole number from 1 to {MaxLimit}"] });
        }
        var rows = await proposals.ListAsync(ns, agent, take, cancellationToken);
        return TypedResults.Ok(new SkillProposalList([.. rows.Select(SkillProposalView.From)]));
    }
}
