using System.Text.Json.Nodes;
using MetaEvolve.Crds.Labels;
using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>
/// The dev control plane's use of the shared <see cref="LabelSelector"/>: matching stored objects by their
/// <c>metadata.labels</c>, a bad <c>labelSelector</c> parameter as 400 BadRequest, and the string form of
/// structured selectors.
/// </summary>
public static class LabelSelectorJson
{
    extension(LabelSelector selector)
    {
        public bool Matches(JsonObject obj)
        {
            if (selector.IsEverything)
            {
                return true;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (obj["metadata"]?["labels"] is JsonObject l)
            {
                foreach (var (k, v) in l)
                {
                    labels[k] = (string?)v ?? "";
                }
            }

            return selector.Matches(labels);
        }

        /// <summary>A request's <c>labelSelector</c>; a bad one is the API server's 400 BadRequest.</summary>
        public static LabelSelector ParseRequest(string? text)
        {
            try
            {
                return LabelSelector.Parse(text);
            }
            catch (LabelSelectorException e)
            {
                throw ApiException.BadRequest(e.Message);
            }
        }

        /// <summary>The string form of a structured <c>LabelSelector</c> (matchLabels + matchExpressions), as in scale status.</summary>
        public static string Format(JsonObject structured)
        {
            var terms = new List<string>();
            if (structured["matchLabels"] is JsonObject ml)
            {
                terms.AddRange(ml.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={(string?)p.Value}"));
            }

            foreach (var e in (structured["matchExpressions"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                var key = (string?)e["key"];
                var values = string.Join(",", (e["values"] as JsonArray)?.Select(v => (string?)v) ?? []);
                terms.Add((string?)e["operator"] switch
                {
                    "In" => $"{key} in ({values})",
                    "NotIn" => $"{key} notin ({values})",
                    "Exists" => key!,
                    _ => $"!{key}",
                });
            }

            return string.Join(",", terms);
        }
    }
}
