using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>A nats-server with JetStream that one test owns, so it can stop and restart it without disturbing others.</summary>
internal sealed class PrivateNatsServer : IAsyncDisposable
{
    private readonly string _binary;
    private readonly string _storeDirectory;
    private Process? _process;

    private PrivateNatsServer(string binary, string storeDirectory, int port)
    {
        _binary = binary;
        _storeDirectory = storeDirectory;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public static async Task<PrivateNatsServer> StartAsync(string directory)
    {
        var binary = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            var message = "nats-server is not installed (hack/services.sh up installs it)";
            if (Services.IsCi)
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        var port = ChildProcess.FreeLoopbackPort();
        var server = new PrivateNatsServer(binary, Path.Combine(directory, "nats"), port);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(_binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-js", "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", _storeDirectory })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await OperatorCluster.EventuallyAsync(async () =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
            return true;
        }, "nats-server accepts connections", seconds: 10);
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}
