using MetaEvolve.Gateway.Api;
using MetaEvolve.Gateway.Auth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetaEvolve.Gateway.Tests;

public sealed class GatewayUnitTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5", 1_500)]
    [InlineData("", 0)]
    public void Wait_durations_parse(string text, int ms)
    {
        Assert.True(WaitDuration.TryParse(text, out var wait));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), wait);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-1s")]
    [InlineData("1h")]
    public void Bad_wait_durations_are_refused(string text) => Assert.False(WaitDuration.TryParse(text, out _));

    [Fact]
    public async Task Keys_are_found_by_hash_only_and_the_file_is_reread_when_it_changes()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, $$"""{"keys": [{"name": "a", "sha256": "{{ApiKeyStore.HashHex("secret-a")}}", "namespaces": ["ns1"]}]}""");
            var time = new ManualTime();
            var store = new ApiKeyStore(new GatewayOptions { ApiKeysFile = file }, time, NullLogger<ApiKeyStore>.Instance);
            var identity = store.Find("secret-a");
            Assert.Equal("a", identity?.Name);
            Assert.True(identity!.MayUse("ns1"));
            Assert.False(identity.MayUse("ns2"));
            Assert.Null(store.Find("secret-b"));
            Assert.Null(store.Find(ApiKeyStore.HashHex("secret-a")));

            await File.WriteAllTextAsync(file, $$"""{"keys": [{"name": "b", "sha256": "{{ApiKeyStore.HashHex("secret-b")}}", "namespaces": ["*"]}]}""");
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
            time.Advance(TimeSpan.FromSeconds(10));
            Assert.Null(store.Find("secret-a"));
            Assert.True(store.Find("secret-b")!.MayUse("anything"));

            // A broken rotation keeps the keys loaded before.
            await File.WriteAllTextAsync(file, "{not json");
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(2));
            time.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal("b", store.Find("secret-b")?.Name);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Keys_get_submit_and_read_by_default_and_an_unknown_scope_is_refused_naming_it()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, $$"""
                {"keys": [
                  {"name": "plain", "sha256": "{{ApiKeyStore.HashHex("k-plain")}}", "namespaces": ["ns1"]},
                  {"name": "ops", "sha256": "{{ApiKeyStore.HashHex("k-ops")}}", "namespaces": ["ns1"], "scopes": ["read", "cancel"], "agents": ["a1"]}]}
                """);
            var logger = new ListLogger<ApiKeyStore>();
            var store = new ApiKeyStore(new GatewayOptions { ApiKeysFile = file }, new ManualTime(), logger);
            var plain = store.Find("k-plain")!;
            Assert.True(plain.Has(KeyScopes.Submit) && plain.Has(KeyScopes.Read));
            Assert.False(plain.Has(KeyScopes.Cancel) || plain.Has(KeyScopes.Admin));
            Assert.True(plain.MayCall("any-agent"));
            var ops = store.Find("k-ops")!;
            Assert.False(ops.Has(KeyScopes.Submit));
            Assert.True(ops.Has(KeyScopes.Cancel));
            Assert.True(ops.MayCall("a1"));
            Assert.False(ops.MayCall("a2"));
            Assert.True(ops.Owns("ops"));
            Assert.False(ops.Owns("plain"));

            await File.WriteAllTextAsync(file, $$"""{"keys": [{"name": "typo", "sha256": "{{ApiKeyStore.HashHex("k-typo")}}", "namespaces": ["ns1"], "scopes": ["raed"]}]}""");
            var fresh = new ApiKeyStore(new GatewayOptions { ApiKeysFile = file }, new ManualTime(), logger);
            Assert.Null(fresh.Find("k-typo"));
            Assert.Contains(logger.Messages, m => m.Contains("'typo': scopes: unknown scope 'raed'", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private sealed class ListLogger<T> : ILogger<T>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception) + (exception is null ? "" : " " + exception.Message));
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
