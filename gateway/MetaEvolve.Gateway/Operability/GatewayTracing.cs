using System.Diagnostics;

namespace MetaEvolve.Gateway.Operability;

/// <summary>
/// The gateway's spans. A submission's span is a child of the caller's trace (the request's traceparent, read by
/// ASP.NET Core); the task's publish span under it hands the trace to the worker (<see cref="Core.Tasks.TaskTracing"/>),
/// and the envelope records it with the task.
/// </summary>
public static class GatewayTracing
{
    public const string SourceName = "MetaEvolve.Gateway";
    public static readonly ActivitySource Source = new(SourceName);
}
