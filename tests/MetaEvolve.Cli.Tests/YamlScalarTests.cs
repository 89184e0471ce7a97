using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Manifests;

namespace MetaEvolve.Cli.Tests;

/// <summary>
/// `skill test` (the CLI's reader) and `kubectl apply` against the dev control plane (its manifest reader) must read
/// a file the same way, and the way kubectl does (YAML 1.1 plain scalars).
/// </summary>
public class YamlScalarTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: scalars
        data:
          yes: yes
          on: on
          off: off
          n: n
          hex: 0x1F
          octal: 0o17
          legacyOctal: 017
          binary: 0b101
          negative: -42
          grouped: 1_000
          exponent: 1e3
          fraction: .5
          tilde: ~
          nothing:
          quotedYes: "yes"
          quotedHex: '0x1F'
          quotedNull: "~"
          taggedNumber: !!str 12
          literal: |
            on
          notANumber: 1.2.3
          infinity: .inf
          time: 12:30
          word: hello
        """;

    public static TheoryData<string, string> Cases => new()
    {
        { "yes", "true" },
        { "on", "true" },
        { "off", "false" },
        { "n", "false" },
        { "hex", "31" },
        { "octal", "15" },
        { "legacyOctal", "15" },
        { "binary", "5" },
        { "negative", "-42" },
        { "grouped", "1000" },
        { "exponent", "1000" },
        { "fraction", "0.5" },
        { "tilde", "null" },
        { "nothing", "null" },
        { "quotedYes", "\"yes\"" },
        { "quotedHex", "\"0x1F\"" },
        { "quotedNull", "\"~\"" },
        { "taggedNumber", "\"12\"" },
        { "literal", "\"on\\n\"" },
        { "notANumber", "\"1.2.3\"" },
        { "infinity", "\".inf\"" },
        { "time", "\"12:30\"" },
        { "word", "\"hello\"" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_CLI_and_the_dev_control_plane_read_a_scalar_as_kubectl_does(string key, string json)
    {
        var cli = YamlManifest.Parse(Manifest).Json["data"]!.AsObject();
        var devCluster = ManifestReader.Read(Manifest).Single()["data"]!.AsObject();

        Assert.Equal(json, Serialize(cli[key]));
        Assert.Equal(json, Serialize(devCluster[key]));
    }

    private static string Serialize(JsonNode? node) => node?.ToJsonString() ?? "null";
}
