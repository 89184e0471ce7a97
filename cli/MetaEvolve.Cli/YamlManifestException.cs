using YamlDotNet.Core;

namespace MetaEvolve.Cli;

/// <summary>A manifest that is not usable YAML, with where the problem is.</summary>
internal sealed class YamlManifestException(Mark position, string message) : Exception(message)
{
    public int Line { get; } = Math.Max(1, (int)position.Line);

    public int Column { get; } = Math.Max(1, (int)position.Column);
}
