using System.Net;
using System.Net.Sockets;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// A loopback TCP proxy in front of the API server (TLS passes through; the server's certificate names 127.0.0.1) that can be made to hang: after <see cref="Hang"/> it still
/// accepts connections and reads requests, but forwards nothing either way, so every call waits for an answer that
/// never comes — an API server that is up but does not respond.
/// </summary>
internal sealed class HangingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private volatile bool _hung;

    public HangingProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Address => new($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public void Hang() => _hung = true;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var upstream = new TcpClient();
                lock (_connections)
                {
                    _connections.Add(client);
                    _connections.Add(upstream);
                }

                _ = Task.Run(async () =>
                {
                    try
                    {
                        await upstream.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
                        await Task.WhenAny(PumpAsync(client.GetStream(), upstream.GetStream()), PumpAsync(upstream.GetStream(), client.GetStream()));
                    }
                    catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                    {
                    }
                    finally
                    {
                        client.Dispose();
                        upstream.Dispose();
                    }
                });
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Stream from, Stream to)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            if (_hung)
            {
                // Swallow everything from now on, keeping the connection open: the peer waits forever.
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        await _accepting;
        _stop.Dispose();
    }
}
