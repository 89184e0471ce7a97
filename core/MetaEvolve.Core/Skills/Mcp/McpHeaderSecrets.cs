using System.Security.Cryptography;
using System.Text;

namespace MetaEvolve.Core.Skills.Mcp;

/// <summary>
/// How a worker finds the value of an Mcp skill's header: the operator puts it into the pool's pods as an environment
/// variable per (skill, header), from the Secret the Skill names, as it does model keys (<see cref="Config.AgentSecrets"/>);
/// the value is never written to the store.
/// </summary>
public static class McpHeaderSecrets
{
    public const string Prefix = "METAEVOLVE_MCPHEADER_";

    /// <summary>
    /// <c>METAEVOLVE_MCPHEADER_&lt;SKILL&gt;_&lt;HEADER&gt;_&lt;hash&gt;</c>: readable in <c>kubectl describe</c>, and the short hash of
    /// the exact (skill, header) pair keeps two pairs that upper-case to the same letters (<c>a-b</c>/<c>c</c> and
    /// <c>a</c>/<c>b-c</c>) apart.
    /// </summary>
    public static string Variable(string skill, string header)
    {
        ArgumentException.ThrowIfNullOrEmpty(skill);
        ArgumentException.ThrowIfNullOrEmpty(header);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(skill + "\n" + header)), 0, 4);
        return Prefix + Token(skill) + "_" + Token(header) + "_" + hash;
    }

    /// <summary>The header values of <paramref name="settings"/> from the environment, or the first one missing.</summary>
    public static (IReadOnlyDictionary<string, string> Headers, string? Missing) FromEnvironment(string skill, McpServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in settings.Headers)
        {
            var variable = Variable(skill, header.Name);
            if (Environment.GetEnvironmentVariable(variable) is not { } value)
            {
                return (headers, $"header {header.Name} (Secret {header.SecretName}, key {header.SecretKey}) is not in {variable}: the Secret or its key is missing or not labelled for agents (see the Skill's Ready condition); new workers read it once it is");
            }

            headers[header.Name] = value;
        }

        return (headers, null);
    }

    private static string Token(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return builder.ToString();
    }
}
