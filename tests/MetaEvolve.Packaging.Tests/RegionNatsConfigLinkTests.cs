using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Packaging.Tests;

/// <summary>
/// Two nats-servers on loopback, each loading the region.conf the chart renders for it the way the README says (included
/// last, after a jetstream block of the server's own, as the official NATS chart writes one): the leaf joins the hub,
/// each server has its region's domain, a task spilled to the peer is stored by the peer's stream alone, and a task
/// published on the task subjects stays in its region.
/// </summary>
public sealed class RegionNatsConfigLinkTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Servers_loading_the_charts_region_configuration_join_and_keep_tasks_in_the_region_that_stores_them()
    {
        var binary = RequiredTools.NatsServer();
        var scratch = Directory.CreateTempSubdirectory("metaevolve-region-link-");
        var leafPort = ChildProcess.FreeLoopbackPort();
        var leafUrl = $"nats-leaf://127.0.0.1:{leafPort.ToString(CultureInfo.InvariantCulture)}";
        await using var eu = await RegionServer.StartAsync(binary, scratch.FullName, "eu", await RegionConfAsync("--set", "region.name=eu", "--set", "region.peers={us}",
            "--set", "region.nats.enabled=true", "--set", $"region.nats.leafnodes.listen={leafPort.ToString(CultureInfo.InvariantCulture)}"));
        await using var us = await RegionServer.StartAsync(binary, scratch.FullName, "us", await RegionConfAsync("--set", "region.name=us", "--set", "region.peers={eu}",
            "--set", "region.nats.enabled=true", "--set", $"region.nats.leafnodes.remotes[0].url={leafUrl}"));
        try
        {
            await eu.WaitForLogAsync("Leafnode connection created");
            // The leaf's interest (the task stream, the mapping) follows the connect by a moment.
            await Task.Delay(500, Cancellation);

            await using var euClient = new NatsConnection(new NatsOpts { Url = eu.Url });
            await using var usClient = new NatsConnection(new NatsOpts { Url = us.Url });
            var euNames = new NatsNames(NatsNames.DefaultRoot, "eu");
            var usNames = new NatsNames(NatsNames.DefaultRoot, "us");
            var euJs = new NatsJSContext(euClient);
            var usJs = new NatsJSContext(usClient);
            await new TaskQueueTopology(euJs, euNames, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync(Cancellation);
            await new TaskQueueTopology(usJs, usNames, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync(Cancellation);

            var spilled = await usJs.PublishAsync(usNames.Spill("eu", "ns", "pool", "agent"), "{}"u8.ToArray(), cancellationToken: Cancellation);
            var local = await usJs.PublishAsync(usNames.Task("ns", "pool", "agent"), "{}"u8.ToArray(), cancellationToken: Cancellation);

            Assert.Null(spilled.Error);
            Assert.Equal("eu", spilled.Domain);
            Assert.Equal("us", local.Domain);
            Assert.Equal(1, (await euJs.GetStreamAsync(euNames.TaskStream, cancellationToken: Cancellation)).Info.State.Messages);
            Assert.Equal(1, (await usJs.GetStreamAsync(usNames.TaskStream, cancellationToken: Cancellation)).Info.State.Messages);
            // region.conf's jetstream block replaced the server's own: the store is where region.nats.storeDir says.
            Assert.True(Directory.Exists(Path.Combine(eu.StoreDir, "jetstream")), $"eu stores outside {eu.StoreDir}:\n{eu.Log()}");
        }
        finally
        {
            await us.DisposeAsync();
            await eu.DisposeAsync();
            scratch.Delete(recursive: true);
        }
    }

    private static async Task<string> RegionConfAsync(params string[] values)
    {
        var chart = await RenderedChart.RenderAsync(values);
        return (string)chart.Single("ConfigMap", RenderedChart.Release + "-nats-region")["data"]!["region.conf"]!;
    }

    /// <summary>One region's nats-server: a configuration of its own (port, name, log, a jetstream block) that includes region.conf last.</summary>
    private sealed class RegionServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _logFile;
        private bool _disposed;

        private RegionServer(Process process, string logFile, int port, string storeDir)
        {
            _process = process;
            _logFile = logFile;
            Url = $"nats://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
            Port = port;
            StoreDir = storeDir;
        }

        public string Url { get; }
        public int Port { get; }
        public string StoreDir { get; }

        public static async Task<RegionServer> StartAsync(string binary, string scratch, string region, string regionConf)
        {
            var directory = Directory.CreateDirectory(Path.Combine(scratch, region)).FullName;
            var storeDir = Directory.CreateDirectory(Path.Combine(directory, "store")).FullName;
            await File.WriteAllTextAsync(Path.Combine(directory, "region.conf"),
                regionConf.Replace($"\"{NatsServerConfigCheck.DefaultStoreDir}\"", $"\"{storeDir}\"", StringComparison.Ordinal), Cancellation);
            var port = ChildProcess.FreeLoopbackPort();
            var logFile = Path.Combine(directory, "nats-server.log");
            var config = Path.Combine(directory, "nats-server.conf");
            await File.WriteAllTextAsync(config, $$"""
                listen: "127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}}"
                server_name: "{{region}}"
                log_file: "{{logFile}}"
                jetstream { store_dir: "{{Path.Combine(directory, "replaced")}}", max_file_store: 1G }
                include "region.conf"
                """, Cancellation);
            var process = Process.Start(new ProcessStartInfo(binary, ["-c", config]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new RegionServer(process, logFile, port, storeDir);
            await server.WaitListeningAsync();
            return server;
        }

        public async Task WaitForLogAsync(string line)
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!Log().Contains(line, StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < until, $"nats-server never logged '{line}':\n{Log()}");
                await Task.Delay(100, Cancellation);
            }
        }

        public string Log()
        {
            if (!File.Exists(_logFile))
            {
                return "";
            }
            using var stream = new FileStream(_logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        private async Task WaitListeningAsync()
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (true)
            {
                Assert.False(_process.HasExited, $"nats-server exited: {Log()}");
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, Port, Cancellation);
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < until)
                {
                    await Task.Delay(100, Cancellation);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
