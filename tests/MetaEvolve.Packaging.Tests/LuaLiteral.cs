using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MetaEvolve.Packaging.Tests;

/// <summary>
/// A YAML document as a Lua table constructor, typed the way Argo CD hands a live object to a health script
/// (JSON decoded into Lua): plain true/false are booleans, plain numbers numbers, plain null nil, the rest strings.
/// </summary>
internal static class LuaLiteral
{
    public static string FromYaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var builder = new StringBuilder();
        Write(stream.Documents.Single().RootNode, builder);
        return builder.ToString();
    }

    private static void Write(YamlNode node, StringBuilder builder)
    {
        switch (node)
        {
            case YamlMappingNode map:
                builder.Append('{');
                foreach (var (key, value) in map.Children)
                {
                    builder.Append('[').Append(Quote(((YamlScalarNode)key).Value ?? "")).Append("]=");
                    Write(value, builder);
                    builder.Append(',');
                }

                builder.Append('}');
                break;
            case YamlSequenceNode list:
                builder.Append('{');
                foreach (var item in list.Children)
                {
                    Write(item, builder);
                    builder.Append(',');
                }

                builder.Append('}');
                break;
            case YamlScalarNode scalar:
                builder.Append(Scalar(scalar));
                break;
            default:
                throw new InvalidOperationException($"unexpected YAML node {node.NodeType}");
        }
    }

    private static string Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return Quote(text);
        }

        return text switch
        {
            "true" => "true",
            "false" => "false",
            "null" or "~" or "" => "nil",
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => text,
            _ => Quote(text),
        };
    }

    private static string Quote(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                _ when c < ' ' => $"\\{(int)c:D3}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
