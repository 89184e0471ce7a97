namespace MetaEvolve.Core.Tasks;

/// <summary>Body of <c>metaevolve.results.&lt;id&gt;</c>: enough to wake a waiter, which then reads the row.</summary>
public sealed record TaskResultNotice(Guid Id, string Status, string? Error);
