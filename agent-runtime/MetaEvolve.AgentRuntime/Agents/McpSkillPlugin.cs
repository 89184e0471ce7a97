using System.Text;
using System.Text.Json;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Mcp;
using Microsoft.SemanticKernel;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// An Mcp skill as a Semantic Kernel plugin: each tool the server lists (and the allowlist exposes) is a function with
/// the tool's description and its input schema's properties as parameters, whose body is one tools/call through the
/// skill's shared <see cref="McpSkillConnection"/>. A tool that answers with an error, or a server that does not
/// answer, is a <see cref="KernelException"/>: the model gets it as the tool's result, a direct call fails with it.
/// </summary>
internal static class McpSkillPlugin
{
    public static KernelPlugin Create(string pluginName, string? description, McpSkillConnection connection, IReadOnlyList<McpClientTool> tools)
    {
        var functions = new Dictionary<string, KernelFunction>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            // Two tool names that differ only in characters Semantic Kernel does not allow would clash: the first wins.
            functions.TryAdd(SkillNames.ToKernelName(tool.Name), Function(pluginName, connection, tool.ProtocolTool));
        }

        return KernelPluginFactory.CreateFromFunctions(pluginName, description, functions.Values);
    }

    private static KernelFunction Function(string pluginName, McpSkillConnection connection, Tool tool)
    {
        var properties = Properties(tool.InputSchema);
        var required = Required(tool.InputSchema);

        async Task<string?> InvokeAsync(KernelArguments arguments, CancellationToken cancellationToken)
        {
            var values = arguments.ToDictionary(a => a.Key, a => Argument(a.Value, properties.GetValueOrDefault(a.Key)), StringComparer.Ordinal);
            CallToolResult result;
            try
            {
                result = await connection.CallAsync(tool.Name, values, cancellationToken);
            }
            catch (McpServerUnavailableException exception)
            {
                throw new KernelException($"{pluginName}.{tool.Name} failed: {exception.Message}", exception);
            }
            catch (ModelContextProtocol.McpProtocolException exception)
            {
                throw new KernelException($"{pluginName}.{tool.Name} was refused by the MCP server: {exception.Message}", exception);
            }

            var text = Text(result);
            return result.IsError == true ? throw new KernelException($"{pluginName}.{tool.Name} failed: {text}") : text;
        }

        return KernelFunctionFactory.CreateFromMethod(InvokeAsync, new KernelFunctionFromMethodOptions
        {
            FunctionName = SkillNames.ToKernelName(tool.Name),
            Description = tool.Description ?? tool.Title,
            Parameters = [.. properties.Select(p => new KernelParameterMetadata(p.Key)
            {
                Description = p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
                IsRequired = required.Contains(p.Key),
                Schema = p.Value.ValueKind == JsonValueKind.Object ? KernelJsonSchema.Parse(p.Value.GetRawText()) : null,
            })],
            ReturnParameter = new KernelReturnParameterMetadata { ParameterType = typeof(string) },
        });
    }

    private static Dictionary<string, JsonElement> Properties(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            ? properties.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    private static HashSet<string> Required(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array
            ? [.. required.EnumerateArray().Select(r => r.GetString() ?? "")]
            : [];

    /// <summary>
    /// The value as the tool's schema wants it: a model's arguments arrive as JSON already; a direct call's arrive as
    /// text (<c>count=3</c>), which becomes JSON (3) unless the parameter is a string.
    /// </summary>
    internal static object? Argument(object? value, JsonElement schema) => value switch
    {
        null => null,
        JsonElement element => element,
        string text when !IsString(schema) && TryParse(text, out var parsed) => parsed,
        string text => text,
        _ => JsonSerializer.SerializeToElement(value, value.GetType()),
    };

    private static bool IsString(JsonElement schema) =>
        schema.ValueKind != JsonValueKind.Object
        || !schema.TryGetProperty("type", out var type)
        || (type.ValueKind == JsonValueKind.String && type.GetString() == "string")
        || (type.ValueKind == JsonValueKind.Array && type.EnumerateArray().Any(t => t.GetString() == "string"));

    private static bool TryParse(string text, out JsonElement parsed)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            parsed = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            parsed = default;
            return false;
        }
    }

    /// <summary>The tool's answer as text: its text blocks, or its structured content when it has no text.</summary>
    internal static string Text(CallToolResult result)
    {
        var builder = new StringBuilder();
        foreach (var block in result.Content)
        {
            if (builder.Length > 0)
            {
                builder.Append('\n');
            }

            builder.Append(block is TextContentBlock text ? text.Text : $"[{block.Type} content]");
        }

        return builder.Length == 0 && result.StructuredContent is { } structured ? structured.GetRawText() : builder.ToString();
    }
}
