using System.Text;

namespace MetaEvolve.Core;

/// <summary>
/// The least a namespace's workers need from NATS, as nats-server publish and subscribe allow lists, found by running
/// a worker under them against nats-server 2.9 (NatsNamespacePermissionsTests). Everything else is refused, so
/// workers of one namespace cannot publish tasks into another's subjects, pull another's consumers, or read another's
/// deliveries. What 2.9 cannot separate on one shared stream is listed in <c>docs/nats-permissions.md</c>.
/// </summary>
/// <param name="Publish">Subjects the workers may publish to (JetStream API requests included).</param>
/// <param name="Subscribe">Subjects the workers may subscribe to.</param>
/// <remarks>The user may also answer requests it receives (<c>allow_responses</c>): the text-so-far replies go to the asker's inbox.</remarks>
public sealed record NatsWorkerPermissions(IReadOnlyList<string> Publish, IReadOnlyList<string> Subscribe)
{
    /// <summary>The allow lists for the workers of <paramref name="ns"/>, which run <paramref name="pools"/>. Pure.</summary>
    /// <remarks>
    /// Pools are listed one by one because a pool's consumer name (<see cref="NatsNames.PoolConsumer"/>) is one
    /// subject token: no wildcard selects a namespace's consumers alone.
    /// </remarks>
    public static NatsWorkerPermissions For(NatsNames names, string ns, IEnumerable<string> pools)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentException.ThrowIfNullOrWhiteSpace(ns);
        ArgumentNullException.ThrowIfNull(pools);
        var stream = names.TaskStream;
        var bucketStream = "KV_" + names.ConfigBucket;
        var publish = new List<string>();
        foreach (var pool in pools.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var consumer = names.PoolConsumer(ns, pool);
            // Binding to the pool's consumer (the operator creates it; workers run with CreateConsumer off).
            publish.Add($"$JS.API.CONSUMER.INFO.{stream}.{consumer}");
            // Pulling its tasks.
            publish.Add($"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}");
            // Ack, nak with backoff, in-progress and term of its deliveries.
            publish.Add($"$JS.ACK.{stream}.{consumer}.>");
        }
        // Result notices name only the task id, so they cannot be narrowed to a namespace.
        publish.Add(names.ResultsPrefix + ".*");
        // Streamed answers name only the task id too (deltas; the text-so-far subscription below).
        publish.Add(names.AnswerStreamPrefix + ".*");
        if (names.Region is { } region)
        {
            // Results of tasks submitted in other regions, appended to this region's homeward stream for their origin
            // (a plain publish whose PubAck comes to the inbox below: no JetStream API subject). The subject names the
            // region and origin, not the namespace, so it cannot be narrowed to one.
            publish.Add(names.HomewardSubjects(region));
        }
        // Applied notices name the namespace.
        publish.Add($"{names.ConfigAppliedPrefix}.{ns}.*");
        // Opening the config bucket (read, never created or changed by a worker).
        publish.Add($"$JS.API.STREAM.INFO.{bucketStream}");
        // The bucket watch is an ordered consumer: created, and re-created after a gap. NATS.Net names the consumer
        // and its filter in the subject (CONSUMER.CREATE.<stream>.<name>.<filter>); the filter is the whole bucket,
        // which holds every namespace's config, so the watch is not narrowed to a namespace.
        publish.Add($"$JS.API.CONSUMER.CREATE.{bucketStream}");
        publish.Add($"$JS.API.CONSUMER.CREATE.{bucketStream}.>");
        // The watch's flow-control replies.
        publish.Add($"$JS.FC.{bucketStream}.>");

        var subscribe = new List<string>
        {
            // Cancel notices name only the task id: every namespace's are heard (and ignored unless the task runs here).
            names.CancelPrefix + ".*",
            // Requests for the text so far of a chat task it runs (answered through allow_responses).
            names.AnswerStreamPrefix + ".*.sofar",
            // Replies to the requests above and the deliveries of pulls and the watch: the worker's inbox prefix
            // names its namespace, so no other namespace's deliveries are readable.
            WorkerInboxPrefix(names, ns) + ".>",
        };
        return new NatsWorkerPermissions(publish, subscribe);
    }

    /// <summary>
    /// The inbox prefix of a namespace's workers: <c>_INBOX.&lt;root&gt;.&lt;ns&gt;</c>. With the default <c>_INBOX</c>
    /// a worker would need <c>_INBOX.&gt;</c>, which reads every client's replies, pulled tasks of other namespaces
    /// included.
    /// </summary>
    public static string WorkerInboxPrefix(NatsNames names, string ns)
    {
        ArgumentNullException.ThrowIfNull(names);
        return $"_INBOX.{names.Root}.{ns}";
    }

    /// <summary>One entry of a nats-server <c>authorization { users = [...] }</c> list: this user, restricted to these lists.</summary>
    public string UserEntry(string user, string password)
    {
        var entry = new StringBuilder();
        entry.Append("{ user: ").Append(Quote(user)).Append(", password: ").Append(Quote(password)).AppendLine(",");
        entry.AppendLine("  permissions: {");
        entry.Append("    publish: { allow: [").AppendJoin(", ", Publish.Select(Quote)).AppendLine("] },");
        entry.Append("    subscribe: { allow: [").AppendJoin(", ", Subscribe.Select(Quote)).AppendLine("] },");
        entry.AppendLine("    allow_responses: true");
        entry.Append("  } }");
        return entry.ToString();
    }

    /// <summary>A nats-server <c>authorization</c> block of <paramref name="userEntries"/> (from <see cref="UserEntry"/> or unrestricted ones).</summary>
    public static string Authorization(IEnumerable<string> userEntries)
    {
        ArgumentNullException.ThrowIfNull(userEntries);
        var block = new StringBuilder();
        block.AppendLine("authorization {");
        block.AppendLine("  users = [");
        foreach (var entry in userEntries)
        {
            block.Append("    ").AppendLine(entry.ReplaceLineEndings("\n    "));
        }
        block.AppendLine("  ]");
        block.AppendLine("}");
        return block.ToString();
    }

    /// <summary>
    /// A double-quoted config string: unquoted, a leading <c>$</c> (every JetStream subject) would be read as a
    /// variable reference.
    /// </summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
