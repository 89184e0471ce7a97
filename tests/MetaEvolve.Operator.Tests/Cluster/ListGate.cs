namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// Holds the list requests (not the watches) of one resource until <see cref="Open"/>: a list that is slow or stuck,
/// as an overloaded API server gives, in front of a real one.
/// </summary>
internal sealed class ListGate(string plural) : DelegatingHandler
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>List requests that have arrived at the gate so far.</summary>
    public int Held => Volatile.Read(ref _held);

    public void Open() => _open.TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        if (request.Method == HttpMethod.Get && uri.AbsolutePath.EndsWith("/" + plural, StringComparison.Ordinal)
            && !uri.Query.Contains("watch=true", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _held);
            await _open.Task.WaitAsync(cancellationToken);
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
