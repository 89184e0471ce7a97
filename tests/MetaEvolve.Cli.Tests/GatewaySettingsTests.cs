using MetaEvolve.Cli.Tasks;

namespace MetaEvolve.Cli.Tests;

public sealed class GatewaySettingsTests
{
    [Fact]
    public void Flags_win_over_environment_and_environment_over_the_config_file()
    {
        var root = Directory.CreateTempSubdirectory("metaevolve-settings-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, ".metaevolve"));
            File.WriteAllText(Path.Combine(root.FullName, ".metaevolve", "gateway.json"), """{"url": "http://127.0.0.1:5010", "key": "from-file", "namespace": "team-a"}""");
            var below = Directory.CreateDirectory(Path.Combine(root.FullName, "src", "deep")).FullName;

            var fromFile = GatewaySettings.Resolve(null, null, null, _ => null, below);
            Assert.Equal(new Uri("http://127.0.0.1:5010"), fromFile.Url);
            Assert.Equal("from-file", fromFile.ApiKey);
            Assert.Equal("team-a", fromFile.Namespace);

            var environment = new Dictionary<string, string> { ["METAEVOLVE_GATEWAY_URL"] = "http://gw:80", ["METAEVOLVE_API_KEY"] = "from-env" };
            var fromEnv = GatewaySettings.Resolve(null, null, null, n => environment.GetValueOrDefault(n), below);
            Assert.Equal(new Uri("http://gw:80"), fromEnv.Url);
            Assert.Equal("from-env", fromEnv.ApiKey);
            Assert.Equal("team-a", fromEnv.Namespace);

            var fromFlags = GatewaySettings.Resolve("https://flag", "from-flag", "ns-f", n => environment.GetValueOrDefault(n), below);
            Assert.Equal(new Uri("https://flag"), fromFlags.Url);
            Assert.Equal("from-flag", fromFlags.ApiKey);
            Assert.Equal("ns-f", fromFlags.Namespace);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void Without_any_setting_the_error_says_how_to_give_one()
    {
        var empty = Directory.CreateTempSubdirectory("metaevolve-settings-");
        try
        {
            var error = Assert.Throws<GatewaySettingsException>(() => GatewaySettings.Resolve(null, null, null, _ => null, empty.FullName));
            Assert.Contains("--gateway-url", error.Message, StringComparison.Ordinal);
            Assert.Contains("dev up", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete();
        }
    }

    [Fact]
    public void A_url_that_is_not_http_is_refused() =>
        Assert.Throws<GatewaySettingsException>(() => GatewaySettings.Resolve("ftp://x", null, null, _ => null, Path.GetTempPath()));
}
