namespace MetaEvolve.DevCluster.Workloads.Tests;

public class ImageCommandTests
{
    [Theory]
    [InlineData("ghcr.io/metaevolve/agent-runtime:*", "ghcr.io/metaevolve/agent-runtime:0.1.0", true)]
    // The image names no registry: the pattern's is ignored.
    [InlineData("ghcr.io/metaevolve/agent-runtime:*", "metaevolve/agent-runtime:dev", true)]
    // The pattern names no registry: the image's is ignored.
    [InlineData("metaevolve/agent-runtime:*", "ghcr.io/metaevolve/agent-runtime:0.1.0", true)]
    [InlineData("metaevolve/agent-runtime:*", "127.0.0.1:5000/metaevolve/agent-runtime:0.1.0", true)]
    // Two registries that differ are two different images.
    [InlineData("ghcr.io/metaevolve/agent-runtime:*", "quay.io/metaevolve/agent-runtime:0.1.0", false)]
    [InlineData("ghcr.io/metaevolve/agent-runtime:*", "ghcr.io/metaevolve/gateway:0.1.0", false)]
    [InlineData("ghcr.io/metaevolve/agent-runtime:*", "ghcr.io/other/agent-runtime:0.1.0", false)]
    [InlineData("busybox:*", "busybox:1.36", true)]
    [InlineData("busybox:*", "docker.io/library/busybox:1.36", false)]
    public void An_image_matches_a_pattern_with_or_without_a_registry(string pattern, string image, bool matches)
    {
        Assert.Equal(matches, new ImageCommand(pattern, ["true"]).Matches(image));
    }
}
