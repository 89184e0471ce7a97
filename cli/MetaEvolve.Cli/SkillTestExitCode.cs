namespace MetaEvolve.Cli;

/// <summary>Exit codes of <c>metaevolve skill test</c>: a contract other tools rely on.</summary>
internal static class SkillTestExitCode
{
    /// <summary>Every test that ran passed (prompt tests without a model are skipped, not failed).</summary>
    public const int Passed = 0;

    /// <summary>A test ran and its result did not meet the expectation (or the function threw).</summary>
    public const int Failed = 1;

    /// <summary>The manifest was rejected: YAML, schema, template, sandbox policy or compilation.</summary>
    public const int Rejected = 2;

    /// <summary>A test was stopped by its time or resource limit (takes precedence over failures).</summary>
    public const int Stopped = 3;
}
