using System.Text.RegularExpressions;

namespace MetaEvolve.Core;

/// <summary>
/// Every NATS name MetaEvolve uses — the task stream, its subjects, the result and cancel notices, the config
/// bucket and the applied notices — derived from one root (<see cref="ConnectionOptions.NatsRoot"/>). Processes that
/// share a root see each other's tasks; tests and benchmarks take a root of their own, so they never meet a
/// developer's running or stopped system on the same server.
/// </summary>
public sealed partial record NatsNames
{
    /// <summary>The root of an installation: stream <c>METAEVOLVE_TASKS</c>, subjects <c>metaevolve.tasks.&gt;</c>.</summary>
    public const string DefaultRoot = "metaevolve";

    public static NatsNames Default { get; } = new(DefaultRoot);

    /// <param name="root">One subject token that is also valid in a stream and a bucket name.</param>
    public NatsNames(string root)
    {
        if (root is null || !RootPattern().IsMatch(root))
        {
            throw new FormatException(
                $"{ConnectionOptions.NatsRootVariable} must be 1-32 lower-case letters, digits or '-', starting with a letter, got '{root}'.");
        }
        Root = root;
    }

    public string Root { get; }

    /// <summary>The JetStream stream of every task (<c>METAEVOLVE_TASKS</c> for the default root).</summary>
    public string TaskStream => Root.ToUpperInvariant().Replace('-', '_') + "_TASKS";

    /// <summary><c>&lt;root&gt;.tasks</c>.</summary>
    public string TaskPrefix => Root + ".tasks";

    /// <summary>What the task stream captures: <c>&lt;root&gt;.tasks.&gt;</c>.</summary>
    public string AllTasks => TaskPrefix + ".>";

    public string ResultsPrefix => Root + ".results";

    public string AllResults => ResultsPrefix + ".*";

    public string CancelPrefix => Root + ".cancel";

    public string AllCancels => CancelPrefix + ".*";

    /// <summary>Core subjects of streamed chat answers: <c>&lt;root&gt;.stream.&lt;taskId&gt;</c> carries its deltas.</summary>
    public string AnswerStreamPrefix => Root + ".stream";

    /// <summary>KV bucket of config notices: keys <c>agent.&lt;ns&gt;.&lt;name&gt;</c>, <c>skill.&lt;ns&gt;.&lt;name&gt;</c> → digest.</summary>
    public string ConfigBucket => Root + "-config";

    /// <summary>Core subjects on which workers announce an applied agent version.</summary>
    public string ConfigAppliedPrefix => Root + ".config.applied";

    /// <summary><c>&lt;root&gt;.tasks.&lt;ns&gt;.&lt;pool&gt;.&lt;agent&gt;</c></summary>
    public string Task(string ns, string pool, string agent) => $"{TaskPrefix}.{ns}.{pool}.{agent}";

    /// <summary>The filter of a pool's durable consumer: all agents of one pool (one filter subject: NATS 2.9).</summary>
    public string PoolFilter(string ns, string pool) => $"{TaskPrefix}.{ns}.{pool}.>";

    /// <summary>Core subject announcing that a task reached a final state.</summary>
    public string Result(Guid taskId) => $"{ResultsPrefix}.{taskId:D}";

    /// <summary>Core subject on which workers hear that a running task should stop.</summary>
    public string Cancel(Guid taskId) => $"{CancelPrefix}.{taskId:D}";

    /// <summary>Core subject of a running chat task's answer deltas (<see cref="Tasks.AnswerDelta"/>).</summary>
    public string AnswerStream(Guid taskId) => $"{AnswerStreamPrefix}.{taskId:D}";

    /// <summary>
    /// Core request subject that the worker running a chat task answers with the text so far
    /// (<see cref="Tasks.AnswerSoFar"/>); subscribed only while the task runs, so anyone else gets "no responders".
    /// </summary>
    public string AnswerSoFar(Guid taskId) => $"{AnswerStreamPrefix}.{taskId:D}.sofar";

    /// <summary><c>&lt;root&gt;.config.applied.&lt;ns&gt;.&lt;agent&gt;</c></summary>
    public string ConfigApplied(string ns, string agent) => $"{ConfigAppliedPrefix}.{ns}.{agent}";

    /// <summary>Durable consumer name of a pool; NATS names may not contain dots. Unique within the task stream.</summary>
    public static string PoolConsumer(string ns, string pool) => $"pool-{ns}-{pool}";

    /// <summary>Splits <c>&lt;root&gt;.tasks.ns.pool.agent</c>; false for anything else.</summary>
    public bool TryParseTask(string subject, out string ns, out string pool, out string agent)
    {
        ns = pool = agent = "";
        var parts = subject?.Split('.') ?? [];
        if (parts.Length != 5 || parts[0] != Root || parts[1] != "tasks")
        {
            return false;
        }
        (ns, pool, agent) = (parts[2], parts[3], parts[4]);
        return true;
    }

    /// <summary>The namespace and pool a consumer filter <c>&lt;root&gt;.tasks.&lt;ns&gt;.&lt;pool&gt;.&gt;</c> names; null for anything else.</summary>
    public (string Namespace, string Pool)? PoolOf(string? filterSubject)
    {
        var parts = filterSubject?.Split('.');
        return parts is [var root, "tasks", var ns, var pool, ">"] && root == Root ? (ns, pool) : null;
    }

    /// <summary>
    /// True when some subject matches both patterns (NATS wildcards <c>*</c> and <c>&gt;</c>); JetStream refuses two
    /// streams whose subjects overlap.
    /// </summary>
    public static bool Overlap(string first, string second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var a = first.Split('.');
        var b = second.Split('.');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            if (i >= a.Length || i >= b.Length)
            {
                return false;
            }
            if (a[i] == ">" || b[i] == ">")
            {
                return true;
            }
            if (a[i] != "*" && b[i] != "*" && a[i] != b[i])
            {
                return false;
            }
        }
        return true;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$")]
    private static partial Regex RootPattern();
}
