using MetaEvolve.Core;
using NATS.Client.Core;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Opens the relay of one chat task's streamed answer (<see cref="LiveAnswer"/>): deltas on
/// <see cref="NatsNames.AnswerStream"/>, the text so far on request at <see cref="NatsNames.AnswerSoFar"/>. Core NATS
/// only: a listener that is not there misses nothing it cannot ask for, and the recorded answer stays the truth.
/// </summary>
public sealed class AnswerRelay(INatsConnection nats, NatsNames names, AgentOptions options, ILogger<AnswerRelay> logger)
{
    public async Task<LiveAnswer> OpenAsync(Guid taskId, int attempt, CancellationToken cancellationToken)
    {
        var soFar = await nats.SubscribeCoreAsync<byte[]>(names.AnswerSoFar(taskId), cancellationToken: cancellationToken);
        return new LiveAnswer(nats, names.AnswerStream(taskId), soFar, attempt, options.StreamCoalesce, logger);
    }
}
