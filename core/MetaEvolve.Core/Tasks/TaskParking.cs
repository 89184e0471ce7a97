namespace MetaEvolve.Core.Tasks;

/// <summary>
/// What a worker stores when a task parks for a person's approval: the pending call (<c>tasks.approval</c>), the
/// conversation any worker resumes (<c>tasks.conversation</c>; null for a direct call, which has none), and how long
/// the approval may take before the task fails.
/// </summary>
public sealed record TaskParking(string ApprovalJson, string? ConversationJson, int TimeoutSeconds);
