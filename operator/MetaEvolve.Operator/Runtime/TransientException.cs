namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Thrown after a reconcile recorded a problem with something outside Kubernetes (NATS, the store) in status:
/// the controller retries with backoff, because no watch event will announce the recovery.
/// </summary>
public sealed class TransientException(string message, Exception? inner = null) : Exception(message, inner);
