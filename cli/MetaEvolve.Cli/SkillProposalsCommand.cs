using System.CommandLine;
using MetaEvolve.Cli.Tasks;

namespace MetaEvolve.Cli;

/// <summary>
/// <c>metaevolve skill proposals</c>: the skills agents proposed in a namespace and what became of each, read from the
/// gateway (<c>GET /v1/namespaces/{ns}/proposals</c>) with the same settings as the task commands.
/// </summary>
internal static class SkillProposalsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var options = new GatewayCommandOptions("table");
        var agent = new Option<string?>("--agent") { Description = "Only this agent's proposals." };
        var limit = new Option<int?>("--limit") { Description = "Most proposals to show, newest first (default: the gateway's, 100)." };
        var command = new Command("proposals", "List the skills agents proposed (evolution.ProposeSkill), newest first: state, refusal reason, "
            + "who decided, and the diagnostics of rejected ones.\nExit codes: 0 done, 2 refused (4xx, bad arguments), 3 the gateway is unavailable.")
        {
            agent, limit,
        };
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) => GatewayCommandRunner.RunAsync(options, parse, error, async client =>
        {
            var proposals = await client.ListProposalsAsync(client.Settings.Namespace, parse.GetValue(agent), parse.GetValue(limit), cancellationToken);
            await new SkillProposalPrinter(output, options.Json(parse), DateTimeOffset.UtcNow).ListAsync(proposals);
            return TaskExitCode.Ok;
        }, cancellationToken));
        return command;
    }
}
