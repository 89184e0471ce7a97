using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.DevCluster.Patching;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test) with RFC 6901 pointers.</summary>
public static class JsonPatch
{
    public static JsonNode Apply(JsonNode target, JsonArray operations)
    {
        var doc = target.DeepClone();
        foreach (var op in operations)
        {
            if (op is not JsonObject o)
            {
                throw ApiException.BadRequest("json patch operation must be an object");
            }

            var path = (string?)o["path"] ?? throw ApiException.BadRequest("json patch operation has no path");
            switch ((string?)o["op"])
            {
                case "add":
                    doc = Add(doc, path, o["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(doc, path);
                    break;
                case "replace":
                    Remove(doc, path);
                    doc = Add(doc, path, o["value"]?.DeepClone());
                    break;
                case "move":
                    {
                        var from = (string?)o["from"] ?? throw ApiException.BadRequest("move needs from");
                        var value = Get(doc, from)?.DeepClone();
                        Remove(doc, from);
                        doc = Add(doc, path, value);
                        break;
                    }

                case "copy":
                    {
                        var from = (string?)o["from"] ?? throw ApiException.BadRequest("copy needs from");
                        doc = Add(doc, path, Get(doc, from)?.DeepClone());
                        break;
                    }

                case "test":
                    if (!JsonNode.DeepEquals(Get(doc, path), o["value"]))
                    {
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }

                    break;
                default:
                    throw ApiException.BadRequest($"Unexpected kind: {(string?)o["op"]}");
            }
        }

        return doc;
    }

    private static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw ApiException.BadRequest($"invalid JSON pointer {pointer}");
        }

        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    private static JsonNode? Get(JsonNode doc, string pointer)
    {
        JsonNode? node = doc;
        foreach (var token in Tokens(pointer))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var v) => v,
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{pointer}\""),
            };
        }

        return node;
    }

    private static JsonNode Add(JsonNode doc, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            return value ?? throw ApiException.BadRequest("cannot replace the document with null");
        }

        var parent = Get(doc, Parent(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{pointer}\"");
        }

        return doc;
    }

    private static void Remove(JsonNode doc, string pointer)
    {
        var tokens = Tokens(pointer);
        var parent = Get(doc, Parent(tokens));
        var last = tokens[^1];
        var removed = parent switch
        {
            JsonObject o => o.Remove(last),
            JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count => RemoveAt(a, i),
            _ => false,
        };
        if (!removed)
        {
            throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{pointer}\"");
        }
    }

    private static bool RemoveAt(JsonArray a, int i)
    {
        a.RemoveAt(i);
        return true;
    }

    private static string Parent(string[] tokens) =>
        string.Concat(tokens[..^1].Select(t => "/" + Escape(t)));

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
