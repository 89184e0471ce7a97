using System.Globalization;
using System.Threading.RateLimiting;
using MetaEvolve.Gateway.Auth;

namespace MetaEvolve.Gateway.Operability;

/// <summary>
/// Per-API-key token buckets (ASP.NET Core's rate limiter, partitioned by key name). Requests without a valid key
/// share buckets per client address, so guessing keys is throttled too. Refusals are 429 problem+json with Retry-After.
/// </summary>
public static class KeyRateLimiting
{
    public const string PolicyName = "per-key";

    public static IServiceCollection AddKeyRateLimiting(this IServiceCollection services, GatewayOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PolicyName, context =>
            {
                var identity = context.Features.Get<ApiKeyIdentity>();
                var rate = identity?.RequestsPerSecond ?? options.RequestsPerSecond;
                var burst = identity?.Burst ?? options.Burst;
                // The limits are part of the partition key, so a rotated keys file with new limits takes effect.
                var partition = identity is null
                    ? $"addr:{context.Connection.RemoteIpAddress}"
                    : string.Create(CultureInfo.InvariantCulture, $"key:{identity.Name}:{rate}:{burst}");
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, burst),
                    TokensPerPeriod = Math.Max(1, rate),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                context.RequestServices.GetRequiredService<GatewayMetrics>().Rejected("rate_limited");
                var identity = context.Features.Get<ApiKeyIdentity>();
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = identity is null
                            ? "too many requests from this address"
                            : $"API key '{identity.Name}' exceeded {identity.RequestsPerSecond ?? options.RequestsPerSecond} requests per second (burst {identity.Burst ?? options.Burst})",
                    },
                });
            };
        });
        return services;
    }
}
