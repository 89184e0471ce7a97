using MetaEvolve.Gateway.Api;
using MetaEvolve.Gateway.Auth;
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

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
