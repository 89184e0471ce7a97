using System.Text;

namespace MetaEvolve.Core.Skills;

/// <summary>Names Semantic Kernel accepts for plugins and functions, derived from Kubernetes names.</summary>
public static class SkillNames
{
    /// <summary>
    /// Semantic Kernel allows only ASCII letters, digits and '_' in plugin and function names; a Skill named
    /// <c>text-stats</c> becomes the plugin <c>text_stats</c>.
    /// </summary>
    public static string ToKernelName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return builder.ToString();
    }
}
