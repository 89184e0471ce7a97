namespace MetaEvolve.Core.Tasks;

/// <summary>Another JetStream stream captures subjects of the task stream, so the task stream cannot exist beside it.</summary>
public sealed class TaskStreamConflictException(string message) : InvalidOperationException(message);
