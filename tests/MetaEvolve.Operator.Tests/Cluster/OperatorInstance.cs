using MetaEvolve.Operator.ExternalMetrics;
using MetaEvolve.Operator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>One operator host running in the test process.</summary>
internal sealed class OperatorInstance(WebApplication app, OperatorOptions options, CollectorRegistry metrics) : IAsyncDisposable
{
    private bool _stopped;

    public string Identity => options.Identity;

    public LeaderState Leader => app.Services.GetRequiredService<LeaderState>();

    public CollectorRegistry Metrics => metrics;

    public string BaseAddress => app.Urls.First();

    /// <summary>The HTTPS port of the external metrics API (ephemeral in tests).</summary>
    public int ExternalMetricsPort => app.Services.GetRequiredService<ExternalMetricsServer>().Port;

    public Task StartAsync() => app.StartAsync(TestContext.Current.CancellationToken);

    /// <summary>A clean shutdown: the current reconciles finish and the Lease is released.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await app.DisposeAsync();
    }
}
