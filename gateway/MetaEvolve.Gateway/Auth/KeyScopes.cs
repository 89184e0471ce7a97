namespace MetaEvolve.Gateway.Auth;

/// <summary>
/// What an API key may do within its namespaces. A key without scopes gets <see cref="Default"/>. <c>admin</c> holds
/// every scope and also reaches the tasks other keys submitted; without it a key sees, cancels and retries only its own.
/// </summary>
public static class KeyScopes
{
    /// <summary>Submit tasks (and retry its own dead-lettered ones).</summary>
    public const string Submit = "submit";

    /// <summary>Read tasks, their events and the agents.</summary>
    public const string Read = "read";

    /// <summary>Cancel queued or running tasks.</summary>
    public const string Cancel = "cancel";

    /// <summary>Approve or reject what waits for a person's decision.</summary>
    public const string Approve = "approve";

    /// <summary>Every scope, over every key's tasks and threads in the key's namespaces.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Submit, Read, Cancel, Approve, Admin];

    public static readonly IReadOnlyList<string> Default = [Submit, Read];
}
