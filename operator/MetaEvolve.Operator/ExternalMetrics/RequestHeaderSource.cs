using k8s;
using k8s.Autorest;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// Keeps the current <see cref="RequestHeaderSettings"/>: reads ConfigMap
/// <c>kube-system/extension-apiserver-authentication</c> at start and again every
/// <see cref="ExternalMetricsOptions.AuthenticationRefreshInterval"/>, so a rotated aggregator client CA applies
/// without a restart. A re-read rather than a watch: one small GET per interval, and nothing to resume.
/// Until a read succeeds every request is refused with the reason; a failed re-read keeps the last good settings
/// (the API server being briefly unreachable must not lock the HPA out).
/// The operator may read that ConfigMap through the built-in Role <c>kube-system/extension-apiserver-authentication-reader</c>.
/// </summary>
[RequiresBuiltInRole("Role", "extension-apiserver-authentication-reader", Namespace = RequestHeaderSettings.ConfigMapNamespace)]
public sealed class RequestHeaderSource(IKubernetes kubernetes, ExternalMetricsOptions options, ILogger<RequestHeaderSource> logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private volatile State _state = new(null, "the requestheader settings have not been read yet");
    private string? _lastProblem;

    private sealed record State(RequestHeaderSettings? Settings, string? Problem);

    /// <summary>The settings in force, or null with <paramref name="problem"/> saying why none are.</summary>
    public RequestHeaderSettings? Current(out string? problem)
    {
        var state = _state;
        problem = state.Problem;
        return state.Settings;
    }

    /// <summary>Reads once (so the first requests meet settings when the ConfigMap is there), then keeps reading.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        _loop = Task.Run(() => LoopAsync(_stopping.Token), CancellationToken.None);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.AuthenticationRefreshInterval, cancellationToken);
                await RefreshAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var configMap = await kubernetes.CoreV1.ReadNamespacedConfigMapAsync(
                RequestHeaderSettings.ConfigMapName, RequestHeaderSettings.ConfigMapNamespace, cancellationToken: cancellationToken);
            var settings = RequestHeaderSettings.Parse(configMap.Data);
            var previous = _state.Settings;
            _state = new State(settings, null);
            if (previous is null || !SameAuthorities(previous, settings) || _lastProblem is not null)
            {
                logger.LogInformation("External metrics API: aggregator client CA {Subjects}, allowed names [{AllowedNames}], user headers [{UserHeaders}]",
                    string.Join("; ", settings.ClientAuthorities.Select(c => c.Subject)), string.Join(", ", settings.AllowedNames), string.Join(", ", settings.UsernameHeaders));
            }

            _lastProblem = null;
        }
        catch (Exception exception) when (exception is RequestHeaderSettingsException or HttpOperationException or HttpRequestException
                                              || exception is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var problem = exception is HttpOperationException http
                ? $"reading ConfigMap {RequestHeaderSettings.ConfigMapNamespace}/{RequestHeaderSettings.ConfigMapName} failed: {(int)http.Response.StatusCode} {http.Response.ReasonPhrase}"
                : exception is RequestHeaderSettingsException ? exception.Message
                : $"reading ConfigMap {RequestHeaderSettings.ConfigMapNamespace}/{RequestHeaderSettings.ConfigMapName} failed: {exception.Message}";
            if (exception is RequestHeaderSettingsException || _state.Settings is null)
            {
                // A ConfigMap that says something unusable replaces what it said before; an unreachable one does not.
                _state = new State(null, problem);
            }

            if (problem != _lastProblem)
            {
                logger.LogWarning("External metrics API: {Problem}{Consequence}", problem,
                    _state.Settings is null ? "; every request is refused until it can be read" : "; the last settings stay in force");
                _lastProblem = problem;
            }
        }
    }

    private static bool SameAuthorities(RequestHeaderSettings a, RequestHeaderSettings b) =>
        a.ClientAuthorities.Select(c => c.Thumbprint).SequenceEqual(b.ClientAuthorities.Select(c => c.Thumbprint));

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stopping.Dispose();
    }
}
