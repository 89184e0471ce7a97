using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>
/// A nats-server of its own with JetStream and a config file (users and their permissions), on a free port, its
/// store in a temp dir; killed and removed on dispose. Its log (with protocol tracing) explains refusals.
/// </summary>
public sealed class NatsServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private NatsServerProcess(string directory, int port, Process process)
    {
        Directory = directory;
        Port = port;
        _process = process;
    }

    public string Directory { get; }
    public int Port { get; }
    public string LogFile => Path.Combine(Directory, "nats-server.log");

    /// <summary><c>nats://user:password@127.0.0.1:port</c>: NATS.Net reads the credentials from the URL.</summary>
    public static string Url(int port, string user, string password) =>
        $"nats://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@127.0.0.1:{port}";

    /// <summary>Starts nats-server on <paramref name="port"/> with <paramref name="authorization"/> as the config's auth block.</summary>
    public static async Task<NatsServerProcess> StartAsync(int port, string authorization)
    {
        var directory = Path.Combine(Path.GetTempPath(), "metaevolve-natsperm-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        System.IO.Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "nats-server.conf");
        await File.WriteAllTextAsync(config, $$"""
            listen: "127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}}"
            jetstream { store_dir: "{{Path.Combine(directory, "jetstream")}}" }
            log_file: "{{Path.Combine(directory, "nats-server.log")}}"
            trace: true
            {{authorization}}
            """);
        var binary = File.Exists("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";
        var info = new ProcessStartInfo(binary, ["-c", config]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        var process = Process.Start(info)!;
        var server = new NatsServerProcess(directory, port, process);
        var stderr = process.StandardError.ReadToEndAsync();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (process.HasExited)
            {
                var error = await stderr;
                await server.DisposeAsync();
                throw new InvalidOperationException($"nats-server exited with {process.ExitCode}: {error}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The server's log so far.</summary>
    public string Log()
    {
        using var stream = new FileStream(LogFile, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
