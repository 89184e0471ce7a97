using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Bench.Runtime;

/// <summary>
/// The start-up baseline, run as its own process (<c>dotnet MetaEvolve.Bench.Runtime.dll --fetch-one &lt;stream&gt;
/// &lt;consumer&gt;</c>, started as the worker is): connects to NATS, binds a durable consumer, fetches one message,
/// acks it and prints when it had it (<see cref="FetchedLine"/>, Unix milliseconds). Nothing else of the benchmark
/// runs in that mode, so it pays only for the runtime, NATS.Net and the fetch.
/// </summary>
internal static class StartupProbe
{
    public const string Mode = "--fetch-one";
    public const string FetchedLine = "fetched-at-unix-ms: ";

    public static async Task RunAsync(string stream, string consumerName)
    {
        var url = Environment.GetEnvironmentVariable(MetaEvolve.Core.ConnectionOptions.NatsUrlVariable) ?? "nats://127.0.0.1:4222";
        await using var nats = new NatsConnection(new NatsOpts { Url = url, Name = "bench-startup-probe" });
        var consumer = await new NatsJSContext(nats).GetConsumerAsync(stream, consumerName);
        var message = await consumer.NextAsync<byte[]>(opts: new NatsJSNextOpts { Expires = TimeSpan.FromSeconds(30) })
            ?? throw new InvalidOperationException($"no message on {stream}/{consumerName} within 30 s");
        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await message.AckAsync();
        Console.WriteLine(FetchedLine + at.ToString(CultureInfo.InvariantCulture));
    }
}
