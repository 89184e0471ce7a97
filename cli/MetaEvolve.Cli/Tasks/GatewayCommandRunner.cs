using System.CommandLine;
using System.Text.Json;

namespace MetaEvolve.Cli.Tasks;

/// <summary>
/// Runs a command that talks to the gateway: resolves the settings, opens the client, and turns what goes wrong into
/// the <see cref="TaskExitCode"/> contract (2 refused: missing settings or a 4xx; 3 unavailable: unreachable, 429, 5xx),
/// so every gateway command fails the same way.
/// </summary>
internal static class GatewayCommandRunner
{
    public static async Task<int> RunAsync(GatewayCommandOptions options, ParseResult parse, TextWriter error,
        Func<GatewayClient, Task<int>> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            using var client = GatewayClient.Create(options.Resolve(parse));
            return await action(client);
        }
        catch (GatewaySettingsException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return TaskExitCode.Refused;
        }
        catch (GatewayException ex)
        {
            if (options.Json(parse) && ex.Problem is { } problem)
            {
                await error.WriteLineAsync(JsonSerializer.Serialize(problem));
            }
            else
            {
                await error.WriteLineAsync($"error: {ex.Message}");
            }
            return ex.Status is >= 400 and < 500 and not 429 ? TaskExitCode.Refused : TaskExitCode.Unavailable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("cancelled");
            return TaskExitCode.Unavailable;
        }
    }
}
