using System.Net;
using System.Net.Sockets;

namespace MetaEvolve.Testing;

/// <summary>
/// A TCP relay on a loopback port in front of another, which a test can cut and restore: a NATS leafnode link that
/// drops and comes back while both servers keep running. Cutting closes every relayed connection and refuses new
/// ones (they are accepted and closed at once) until <see cref="Restore"/>.
/// </summary>
public sealed class LinkProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _cut;

    public LinkProxy(int targetPort)
    {
        _target = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>True while the link is cut.</summary>
    public bool IsCut => _cut;

    /// <summary>Drops every connection through the proxy and refuses new ones.</summary>
    public void Cut()
    {
        lock (_open)
        {
            _cut = true;
            foreach (var client in _open)
            {
                client.Dispose();
            }
            _open.Clear();
        }
    }

    /// <summary>Lets connections through again (the NATS client side reconnects on its own).</summary>
    public void Restore() => _cut = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            if (_cut)
            {
                inbound.Dispose();
                continue;
            }
            _ = RelayAsync(inbound);
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
        }
        catch (Exception)
        {
            inbound.Dispose();
            outbound.Dispose();
            return;
        }
        lock (_open)
        {
            // A cut that came while this connection was being made applies to it too.
            if (_cut)
            {
                inbound.Dispose();
                outbound.Dispose();
                return;
            }
            _open.Add(inbound);
            _open.Add(outbound);
        }
        using (inbound)
        using (outbound)
        {
            var a = inbound.GetStream();
            var b = outbound.GetStream();
            // Either direction ending (a cut, a closed server) ends both.
            await Task.WhenAny(CopyAsync(a, b), CopyAsync(b, a));
        }
        lock (_open)
        {
            _open.Remove(inbound);
            _open.Remove(outbound);
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to)
    {
        try
        {
            await from.CopyToAsync(to, _stop.Token);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // A closed socket on either side ends the relay; the NATS servers notice and reconnect.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
