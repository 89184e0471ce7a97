using System.Text.RegularExpressions;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// Maps a container image to a local command, the way an image's ENTRYPOINT names its program.
/// <paramref name="ImagePattern"/> may use <c>*</c> (<c>ghcr.io/metaevolve/agent-runtime:*</c>). A container's own
/// <c>command</c> replaces <paramref name="Entrypoint"/>, its <c>args</c> follow it, as in a real runtime.
/// </summary>
public sealed record ImageCommand(string ImagePattern, IReadOnlyList<string> Entrypoint, string? WorkingDirectory = null)
{
    /// <summary>
    /// Whether <paramref name="image"/> runs this command. Where the pattern or the image names no registry, the
    /// other's registry is ignored, so <c>ghcr.io/metaevolve/operator:*</c> also runs <c>metaevolve/operator:dev</c>
    /// and <c>metaevolve/operator:*</c> runs <c>ghcr.io/metaevolve/operator:0.1.0</c>; two different registries never match.
    /// </summary>
    public bool Matches(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var pattern = Regex.Escape(ImagePattern).Replace("\\*", ".*", StringComparison.Ordinal);
        if (Regex.IsMatch(image, "^" + pattern + "$"))
        {
            return true;
        }

        var (patternRegistry, patternPath) = SplitRegistry(ImagePattern);
        var (imageRegistry, imagePath) = SplitRegistry(image);
        return (patternRegistry is null || imageRegistry is null)
            && Regex.IsMatch(imagePath, "^" + Regex.Escape(patternPath).Replace("\\*", ".*", StringComparison.Ordinal) + "$");
    }

    /// <summary>The registry host, by Docker's rule: a first path segment with a dot, a port or named localhost.</summary>
    private static (string? Registry, string Path) SplitRegistry(string reference)
    {
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (null, reference);
        }

        var first = reference[..slash];
        return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"
            ? (first, reference[(slash + 1)..])
            : (null, reference);
    }
}
