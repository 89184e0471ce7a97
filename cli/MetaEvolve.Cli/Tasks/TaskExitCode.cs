namespace MetaEvolve.Cli.Tasks;

/// <summary>Exit codes of the task commands, so scripts can tell "the task failed" from "the request was refused".</summary>
public static class TaskExitCode
{
    public const int Ok = 0;

    /// <summary>With --wait: the task ended failed or cancelled.</summary>
    public const int TaskFailed = 1;

    /// <summary>The request was refused (4xx: unknown agent, invalid input, key, scope) or the settings are missing.</summary>
    public const int Refused = 2;

    /// <summary>The gateway was unreachable, overloaded (429, 5xx) or the wait ran out before the task ended.</summary>
    public const int Unavailable = 3;

    /// <summary>With --wait: the task waits for a person to approve or reject a call (`tasks approve|reject`).</summary>
    public const int AwaitingApproval = 5;
}
