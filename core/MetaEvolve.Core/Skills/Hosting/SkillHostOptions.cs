namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>
/// How skill hosts are started and bounded (configuration section <c>SkillHost</c>, e.g. env
/// <c>SkillHost__MaxHosts</c>). Every limit is enforced from outside the skill: by the kernel (address space),
/// by the runtime before any skill code runs (heap hard limit), or by the pool watching the host.
/// </summary>
public sealed record SkillHostOptions
{
    /// <summary>Overrides where the host executable is (default: <c>MetaEvolve.SkillHost.dll</c> beside the running program).</summary>
    public const string HostPathVariable = "METAEVOLVE_SKILL_HOST";

    /// <summary>The host's file (dll, or a native executable); null finds it through <see cref="HostPathVariable"/> or beside this program.</summary>
    public string? HostPath { get; init; }

    /// <summary>Hosts alive at once (busy and idle); a call beyond that waits for one.</summary>
    public int MaxHosts { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>Warm hosts kept per (tenant, digest) between calls.</summary>
    public int MaxIdleHostsPerSkill { get; init; } = 2;

    /// <summary>
    /// Keep one host started ahead of need (not counted in <see cref="MaxHosts"/>), so that a new skill version
    /// (a live reload) pays for its load only, not for a process and runtime start.
    /// </summary>
    public bool SpareHost { get; init; } = true;

    /// <summary>An idle host older than this is stopped.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// GC heap hard limit of each host (<c>DOTNET_GCHeapHardLimit</c>): allocation past it is an out-of-memory stop.
    /// Above the per-call allocation budget (256 MB by default), so a call that allocates too much in skill code
    /// is stopped by the budget with the precise message, and only allocation inside framework code meets this limit.
    /// </summary>
    public long HeapHardLimitBytes { get; init; } = 384L * 1024 * 1024;

    /// <summary>Resident memory at which the pool kills a host (checked every <see cref="MemoryWatchInterval"/>).</summary>
    public long MaxResidentBytes { get; init; } = 640L * 1024 * 1024;

    /// <summary>Address-space limit (RLIMIT_AS) applied before the host execs; 0 leaves it unlimited.</summary>
    public long AddressSpaceLimitBytes { get; init; } = 8L * 1024 * 1024 * 1024;

    public TimeSpan MemoryWatchInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Largest answer a host may send back (the call's value and error included).</summary>
    public int MaxOutputBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Time past a call's own timeout before the host is killed. The budget compiled into the skill normally stops
    /// the call at its timeout with a precise message; the kill is for code the budget cannot reach.
    /// </summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a fresh host may take to answer its first request.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);
}
