namespace MetaEvolve.Core.Tasks;

/// <summary>NATS names of the task pipeline, in one place so publisher, worker, operator and gateway agree.</summary>
public static class TaskSubjects
{
    public const string StreamName = "METAEVOLVE_TASKS";
    public const string Prefix = "metaevolve.tasks";
    public const string AllTasks = Prefix + ".>";
    public const string ResultsPrefix = "metaevolve.results";
    public const string CancelPrefix = "metaevolve.cancel";

    /// <summary><c>metaevolve.tasks.&lt;ns&gt;.&lt;pool&gt;.&lt;agent&gt;</c></summary>
    public static string Task(string ns, string pool, string agent) => $"{Prefix}.{ns}.{pool}.{agent}";

    /// <summary>The filter of a pool's durable consumer: all agents of one pool (one filter subject: NATS 2.9).</summary>
    public static string PoolFilter(string ns, string pool) => $"{Prefix}.{ns}.{pool}.>";

    /// <summary>Default durable consumer name of a pool; NATS names may not contain dots.</summary>
    public static string PoolConsumer(string ns, string pool) => $"pool-{ns}-{pool}";

    /// <summary>Core subject announcing that a task reached a final state.</summary>
    public static string Result(Guid taskId) => $"{ResultsPrefix}.{taskId:D}";

    /// <summary>Core subject on which workers hear that a running task should stop.</summary>
    public static string Cancel(Guid taskId) => $"{CancelPrefix}.{taskId:D}";

    public const string AllCancels = CancelPrefix + ".*";

    /// <summary>Splits <c>metaevolve.tasks.ns.pool.agent</c>; false for anything else.</summary>
    public static bool TryParseTask(string subject, out string ns, out string pool, out string agent)
    {
        ns = pool = agent = "";
        var parts = subject.Split('.');
        if (parts.Length != 5 || parts[0] != "metaevolve" || parts[1] != "tasks")
        {
            return false;
        }
        (ns, pool, agent) = (parts[2], parts[3], parts[4]);
        return true;
    }
}
