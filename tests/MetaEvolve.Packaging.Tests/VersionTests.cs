using System.Xml.Linq;
using MetaEvolve.Core.Packaging;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Packaging.Tests;

public class VersionTests
{
    private static readonly string DeclaredVersion =
        XDocument.Load(RepositoryRoot.Combine("Directory.Build.props")).Descendants("Version").Single().Value;

    [Fact]
    public void The_product_version_is_the_one_Directory_Build_props_declares()
    {
        Assert.Equal("0.1.0", DeclaredVersion);
        Assert.Equal(DeclaredVersion, ProductVersion.Current);
    }

    [Theory]
    [InlineData("operator/MetaEvolve.Operator.Host/bin/Debug/net10.0/MetaEvolve.Operator.Host.dll", "operator")]
    [InlineData("agent-runtime/MetaEvolve.AgentRuntime/bin/Debug/net10.0/MetaEvolve.AgentRuntime.dll", "agent-runtime")]
    [InlineData("gateway/MetaEvolve.Gateway/bin/Debug/net10.0/MetaEvolve.Gateway.dll", "gateway")]
    [InlineData("cli/MetaEvolve.Cli/bin/Debug/net10.0/metaevolve.dll", "metaevolve")]
    [InlineData("tools/MetaEvolve.Manifests/bin/Debug/net10.0/MetaEvolve.Manifests.dll", "metaevolve-manifests")]
    public async Task Every_entrypoint_prints_its_component_and_version_and_exits(string assembly, string component)
    {
        var path = RepositoryRoot.Combine(assembly);
        Assert.True(File.Exists(path), $"{assembly} is not built: run `dotnet build MetaEvolve.sln` first.");

        // No services, no kubeconfig: --version must answer before anything connects.
        var run = await ToolRun.RunAsync("dotnet", [path, "--version"], Path.GetTempPath());

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal($"{component} {DeclaredVersion}", run.Output.Trim());
    }

    [Fact]
    public void Image_references_follow_the_one_scheme_at_the_product_version()
    {
        Assert.Equal($"ghcr.io/metaevolve/agent-runtime:{DeclaredVersion}", ContainerImages.Reference(ContainerImages.AgentRuntime));
        Assert.Equal("ghcr.io/metaevolve/gateway:dev", ContainerImages.Reference(ContainerImages.Gateway, "dev"));
    }
}
