namespace MetaEvolve.Gateway.Tasks;

/// <summary>The task a submission names; <paramref name="Duplicate"/> when its idempotency key named it already.</summary>
public sealed record SubmitResult(Guid Id, string Status, bool Duplicate);
