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
    /// <param name="region">
    /// This installation's region (its JetStream domain) when it is one of several joined by leafnodes; null alone.
    /// </param>
    public NatsNames(string root, string? region = null)
    {
        if (root is null || !RootPattern().IsMatch(root))
        {
            throw new FormatException(
                $"{ConnectionOptions.NatsRootVariable} must be 1-32 lower-case letters, digits or '-', starting with a letter, got '{root}'.");
        }
        if (region is not null)
        {
            ValidateRegion(region, ConnectionOptions.RegionVariable);
        }
        Root = root;
        Region = region;
    }

    public string Root { get; }

    /// <summary>The region (JetStream domain) of this installation; null when it federates with no other.</summary>
    public string? Region { get; }

    /// <summary>The JetStream stream of every task (<c>METAEVOLVE_TASKS</c> for the default root).</summary>
    public string TaskStream => StreamPrefix + "_TASKS";

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

    /// <summary>
    /// Durable consumer name of a pool; NATS names may not contain dots. Unique within the task stream and, with a
    /// region, across regions: ack subjects (<c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;…</c>) carry no domain and cross
    /// leafnodes, so a peer with the same stream and consumer names would take this region's acks as its own.
    /// </summary>
    public string PoolConsumer(string ns, string pool) => Region is null ? $"pool-{ns}-{pool}" : $"{Region}_pool-{ns}-{pool}";

    /// <summary>
    /// Where a task is published to run in <paramref name="region"/>: <c>&lt;root&gt;.spill.&lt;region&gt;.tasks.&lt;ns&gt;.&lt;pool&gt;.&lt;agent&gt;</c>.
    /// The task subjects themselves stay in their region (leafnodes deny them), and that region's server maps its spill
    /// subjects back onto them (<see cref="SpillMapping"/>), so exactly one stream, the peer's, stores the task.
    /// </summary>
    public string Spill(string region, string ns, string pool, string agent) => $"{Root}.spill.{region}.tasks.{ns}.{pool}.{agent}";

    /// <summary>The NATS server mapping a region needs: its spill subjects (source) onto its task subjects (destination).</summary>
    public (string Source, string Destination) SpillMapping(string region) => ($"{Root}.spill.{region}.tasks.>", AllTasks);

    /// <summary>
    /// The limits-retention stream in which <paramref name="region"/> keeps the results of tasks other regions sent it,
    /// for their origin to source: <c>&lt;ROOT&gt;_HOMEWARD_&lt;REGION&gt;</c>. Named per region: a source's filter is
    /// checked against a local stream of the same name.
    /// </summary>
    public string HomewardStream(string region) => $"{StreamPrefix}_HOMEWARD_{region.ToUpperInvariant().Replace('-', '_')}";

    /// <summary>The subjects of <see cref="HomewardStream"/>: <c>&lt;root&gt;.homeward.&lt;region&gt;.&gt;</c>.</summary>
    public string HomewardSubjects(string region) => $"{Root}.homeward.{region}.>";

    /// <summary>
    /// The result of a task that ran in <paramref name="ranIn"/> and was submitted in <paramref name="origin"/>:
    /// <c>&lt;root&gt;.homeward.&lt;ranIn&gt;.&lt;origin&gt;.&lt;id&gt;</c>.
    /// </summary>
    public string Homeward(string ranIn, string origin, Guid taskId) => $"{Root}.homeward.{ranIn}.{origin}.{taskId:D}";

    /// <summary>What <paramref name="origin"/> sources from <paramref name="ranIn"/>'s homeward stream: its own results only.</summary>
    public string HomewardFilter(string ranIn, string origin) => $"{Root}.homeward.{ranIn}.{origin}.>";

    /// <summary>The stream in which a region sources its tasks' results from every peer's homeward stream.</summary>
    public string HomecomingStream => StreamPrefix + "_HOMECOMING";

    /// <summary>Core subject on which a region's operator announces its pools' health (<see cref="Regions.RegionHealth"/>).</summary>
    public string RegionHealth(string region) => $"{Root}.regions.{region}.health";

    /// <summary>Every region's health announcements.</summary>
    public string AllRegionHealth => Root + ".regions.*.health";

    private string StreamPrefix => Root.ToUpperInvariant().Replace('-', '_');

    /// <summary>
    /// Throws unless <paramref name="region"/> can name a region: it is a JetStream domain, a subject token and part of
    /// stream and consumer names, so the root's rule applies. <paramref name="setting"/> names where it came from.
    /// </summary>
    public static void ValidateRegion(string region, string setting)
    {
        if (region is null || !RootPattern().IsMatch(region))
        {
            throw new FormatException($"{setting} must be 1-32 lower-case letters, digits or '-', starting with a letter, got '{region}'.");
        }
    }

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
