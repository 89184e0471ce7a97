namespace MetaEvolve.Gateway.Api;

/// <summary>The 202 answer to a submission; <see cref="Url"/> is also the Location header.</summary>
public sealed record TaskAccepted(Guid Id, string Status, string Url, bool Duplicate);
