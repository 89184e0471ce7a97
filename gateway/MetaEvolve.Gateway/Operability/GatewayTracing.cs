using System.Diagnostics;

namespace MetaEvolve.Gateway.Operability;

/// <summary>
/// The gateway's spans. A submission's span is a child of the caller's trace (the request's traceparent, read by
/// ASP.NET Core) and its id goes into the envelope, so the worker's span continues the same trace.
/// </summary>
public static class GatewayTracing
{
    public const string SourceName = "MetaEvolve.Gateway";
    public static readonly ActivitySource Source = new(SourceName);
}
