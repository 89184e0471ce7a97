using System.Text;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using YamlDotNet.RepresentationModel;

namespace MetaEvolve.Packaging.Tests;

/// <summary>
/// Runs every case of config/argocd/metaevolve.io/&lt;Kind&gt;/health_test.yaml through its health.lua with lua5.1,
/// the interpreter Argo CD embeds, the way Argo CD calls it: the live object as the global <c>obj</c>, the
/// script's returned table read as status and message.
/// </summary>
public class ArgoCdHealthTests
{
    private static readonly string Root = RepositoryRoot.Combine("config", "argocd", "metaevolve.io");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "AgentPool", "Agent", "Skill" })
        {
            foreach (var (inputPath, _, _) in Expectations(kind))
            {
                data.Add(kind, inputPath);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_health_check_gives_the_expected_status_and_message(string kind, string inputPath)
    {
        var (_, status, message) = Expectations(kind).Single(e => e.InputPath == inputPath);
        var (actualStatus, actualMessage) = await RunAsync(kind, inputPath);
        Assert.Equal(status, actualStatus);
        Assert.Equal(message, actualMessage);
    }

    [Fact]
    public void Every_kind_has_a_case_for_each_status_it_can_report()
    {
        Assert.Equal(["Degraded", "Healthy", "Progressing", "Suspended"], Expectations("AgentPool").Select(e => e.Status).Distinct().Order());
        Assert.Equal(["Degraded", "Healthy", "Progressing"], Expectations("Agent").Select(e => e.Status).Distinct().Order());
        // Suspended: an authored version awaiting a person's approval.
        Assert.Equal(["Degraded", "Healthy", "Progressing", "Suspended"], Expectations("Skill").Select(e => e.Status).Distinct().Order());
    }

    [Theory]
    [InlineData("AgentPool")]
    [InlineData("Agent")]
    [InlineData("Skill")]
    public void The_argocd_cm_sample_installs_exactly_the_tested_script(string kind)
    {
        var configMap = RenderedChart.ParseFile(RepositoryRoot.Combine("samples", "argocd", "argocd-cm.yaml"));
        var installed = (string?)configMap["data"]?[$"resource.customizations.health.metaevolve.io_{kind}"];
        Assert.True(installed == File.ReadAllText(Path.Combine(Root, kind, "health.lua")),
            $"samples/argocd/argocd-cm.yaml is stale: copy config/argocd/metaevolve.io/{kind}/health.lua into it");
    }

    [Fact]
    public async Task A_script_error_fails_the_run_instead_of_passing_silently()
    {
        var script = Path.Combine(Path.GetTempPath(), $"metaevolve-lua-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Harness("{}", "return obj.metadata.name"), TestContext.Current.CancellationToken);
        try
        {
            var run = await ToolRun.RunAsync(RequiredTools.Lua(), [script]);
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("attempt to index", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<(string Status, string Message)> RunAsync(string kind, string inputPath)
    {
        var health = await File.ReadAllTextAsync(Path.Combine(Root, kind, "health.lua"), TestContext.Current.CancellationToken);
        var live = LuaLiteral.FromYaml(await File.ReadAllTextAsync(Path.Combine(Root, kind, inputPath), TestContext.Current.CancellationToken));
        var script = Path.Combine(Path.GetTempPath(), $"metaevolve-lua-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Harness(live, health), TestContext.Current.CancellationToken);
        try
        {
            var run = await ToolRun.RunAsync(RequiredTools.Lua(), [script]);
            Assert.True(run.ExitCode == 0, $"{kind}/health.lua failed on {inputPath}: {run.Error}");
            var lines = run.Output.Split('\n');
            return (lines[0], lines.Length > 1 ? lines[1] : "");
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>The script as the body of a function, so its <c>return hs</c> hands the table back.</summary>
    private static string Harness(string live, string health) => new StringBuilder()
        .Append("obj = ").Append(live).Append('\n')
        .Append("local hs = (function()\n").Append(health).Append("\nend)()\n")
        .Append("io.write(tostring(hs.status), \"\\n\", tostring(hs.message or \"\"))\n")
        .ToString();

    private static List<(string InputPath, string Status, string Message)> Expectations(string kind)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Root, kind, "health_test.yaml"))));
        var tests = (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["tests"];
        return [.. tests.Children.Cast<YamlMappingNode>().Select(t =>
        {
            var health = (YamlMappingNode)t["healthStatus"];
            return (((YamlScalarNode)t["inputPath"]).Value!, ((YamlScalarNode)health["status"]).Value!, ((YamlScalarNode)health["message"]).Value!);
        })];
    }
}
