using System.Text.Json;

namespace MetaEvolve.Cli.Tasks;

/// <summary>
/// The <c>name=value</c> arguments of <c>metaevolve call</c>. A value that is valid JSON (5, true, {...}) is passed as
/// JSON, anything else as a string. <c>name=@path</c> reads the value from a file — source code does not survive a
/// shell's quoting — as JSON for a <c>.json</c> file and as a string otherwise; <c>name=@@text</c> passes <c>@text</c>.
/// </summary>
internal static class CallArguments
{
    public static Dictionary<string, JsonElement> Parse(IEnumerable<string> pairs, string workingDirectory)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new GatewaySettingsException($"argument '{pair}' is not name=value");
            }

            var name = pair[..eq];
            var text = pair[(eq + 1)..];
            result[name] = text switch
            {
                _ when text.StartsWith("@@", StringComparison.Ordinal) => JsonSerializer.SerializeToElement(text[1..]),
                _ when text.StartsWith('@') => FromFile(name, Path.Combine(workingDirectory, text[1..])),
                _ => JsonOrString(text),
            };
        }

        return result;
    }

    private static JsonElement FromFile(string name, string path)
    {
        string content;
        try
        {
            content = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new GatewaySettingsException($"argument '{name}': cannot read {path}: {exception.Message}");
        }

        if (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return JsonSerializer.SerializeToElement(content);
        }

        try
        {
            using var document = JsonDocument.Parse(content);
            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new GatewaySettingsException($"argument '{name}': {path} is not JSON: line {exception.LineNumber + 1}: {exception.Message}");
        }
    }

    private static JsonElement JsonOrString(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text);
        }
    }
}
