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

    /// <summary>The value of one series as /metrics exposes it (labels as written there), or null when absent.</summary>
    public async Task<double?> MetricAsync(string name, string labels)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(BaseAddress.TrimEnd('/') + "/metrics", TestContext.Current.CancellationToken);
        var prefix = $"{name}{{{labels}}} ";
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The leader gauge as /metrics exposes it.</summary>
    public async Task<double> LeaderGaugeAsync()
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(BaseAddress.TrimEnd('/') + "/metrics", TestContext.Current.CancellationToken);
        const string prefix = "metaevolve_operator_leader ";
        var line = text.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

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
