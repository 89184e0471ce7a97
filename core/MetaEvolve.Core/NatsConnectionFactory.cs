using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace MetaEvolve.Core;

/// <summary>
/// Builds every NATS connection the processes open, so they connect and reconnect alike: retry the first connect
/// (NATS may start after us), reconnect within two seconds of a server restart, name the connection for
/// <c>/connz</c>.
/// </summary>
public static class NatsConnectionFactory
{
    /// <param name="inboxPrefix">Replaces <c>_INBOX</c>, so a user restricted to its own inboxes can still get replies
    /// (<see cref="NatsWorkerPermissions.WorkerInboxPrefix"/>).</param>
    public static NatsConnection Create(ConnectionOptions connections, string name, ILoggerFactory? loggerFactory = null, int? subscriptionCapacity = null, string? inboxPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(connections);
        var options = new NatsOpts
        {
            Url = connections.NatsUrl,
            Name = name,
            RetryOnInitialConnect = true,
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
        };
        if (loggerFactory is not null)
        {
            options = options with { LoggerFactory = loggerFactory };
        }
        if (subscriptionCapacity is { } capacity)
        {
            options = options with { SubPendingChannelCapacity = capacity };
        }
        if (inboxPrefix is not null)
        {
            options = options with { InboxPrefix = inboxPrefix };
        }
        return new NatsConnection(options);
    }
}
