using System.Security.Cryptography;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>
/// A compiled skill version as the executor receives it: the Skill's digest (its identity: hosts are kept per
/// digest), the assembly bytes, and their SHA-256, which the host checks before it loads anything.
/// </summary>
public sealed class SkillAssembly
{
    public SkillAssembly(string digest, string pluginName, byte[] bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(digest);
        ArgumentException.ThrowIfNullOrEmpty(pluginName);
        ArgumentNullException.ThrowIfNull(bytes);
        Digest = digest;
        PluginName = pluginName;
        Bytes = bytes;
        Sha256 = HashOf(bytes);
    }

    /// <summary>The Skill's digest (sha256 of its normalized spec).</summary>
    public string Digest { get; }

    /// <summary>The plugin name agents call the functions under.</summary>
    public string PluginName { get; }

    public byte[] Bytes { get; }

    /// <summary><c>sha256:&lt;hex&gt;</c> of <see cref="Bytes"/>, taken when the bytes left the store or the compiler.</summary>
    public string Sha256 { get; }

    public static string HashOf(ReadOnlySpan<byte> bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
}
