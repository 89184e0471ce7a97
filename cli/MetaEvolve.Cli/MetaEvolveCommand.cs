using System.CommandLine;
using MetaEvolve.Core.Packaging;

namespace MetaEvolve.Cli;

/// <summary>The <c>metaevolve</c> command tree; tests call <see cref="RunAsync"/> in process.</summary>
public static class MetaEvolveCommand
{
    /// <summary>Usage errors exit with 2, like other rejections, so 1 always means "a test failed".</summary>
    public const int UsageError = 2;

    /// <summary>A bug in the tool itself, kept apart from the 0-3 contract of <c>skill test</c>.</summary>
    public const int InternalError = 4;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // Ahead of System.CommandLine's own --version, which would print the informational version with its commit suffix.
        if (ProductVersion.TryPrint(args, "metaevolve", output))
        {
            return 0;
        }

        var skill = new Command("skill", "Work with Skills: test a manifest; approve or reject an agent-authored version; roll back; export; list agents' proposals.")
        {
            SkillTestCommand.Create(output),
            SkillApprovalCommand.Create("approve", output, error),
            SkillApprovalCommand.Create("reject", output, error),
            SkillRollbackCommand.Create(output, error),
            SkillExportCommand.Create(output, error),
            SkillProposalsCommand.Create(output, error),
        };
        var root = new RootCommand("MetaEvolve: AI agents on Kubernetes.") { skill, Dev.DevCommands.Create() };
        foreach (var command in Tasks.TaskCommands.Create(output, error))
        {
            root.Subcommands.Add(command);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync(problem.Message);
            }

            return UsageError;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // `dev up` gets up to 20 s after SIGINT/SIGTERM to stop what it started.
                ProcessTerminationTimeout = TimeSpan.FromSeconds(20),
            }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("cancelled");
            return InternalError;
        }
#pragma warning disable CA1031 // The process boundary: report the bug with an exit code outside the test contract.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            await error.WriteLineAsync($"internal error: {exception}");
            return InternalError;
        }
    }
}
