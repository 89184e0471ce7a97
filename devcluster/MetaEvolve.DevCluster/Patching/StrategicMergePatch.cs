using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Patching;

/// <summary>
/// Strategic merge patch for the built-in lists kubectl apply and kubectl patch touch. The real server
/// reads merge keys from Go struct tags; here they come from a table keyed by field name, which covers
/// pods, deployments, services and metadata (containers, env, ports, volumes, conditions, ownerReferences…).
/// Directives handled: <c>$patch: replace|delete</c>, <c>$retainKeys</c>, <c>$setElementOrder/…</c>,
/// <c>$deleteFromPrimitiveList/…</c>; merged primitive lists (finalizers) are unions.
/// </summary>
public static class StrategicMergePatch
{
    private static readonly Dictionary<string, string[]> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = ["name"],
        ["initContainers"] = ["name"],
        ["ephemeralContainers"] = ["name"],
        ["volumes"] = ["name"],
        ["env"] = ["name"],
        ["volumeMounts"] = ["mountPath"],
        ["volumeDevices"] = ["devicePath"],
        ["imagePullSecrets"] = ["name"],
        ["ports"] = ["containerPort", "port"],
        ["conditions"] = ["type"],
        ["ownerReferences"] = ["uid"],
        ["hostAliases"] = ["ip"],
        ["topologySpreadConstraints"] = ["topologyKey"],
        ["readinessGates"] = ["conditionType"],
        ["resourceClaims"] = ["name"],
    };

    /// <summary>Primitive lists the real types tag with patchStrategy=merge.</summary>
    private static readonly HashSet<string> MergedPrimitiveLists = new(StringComparer.Ordinal) { "finalizers" };

    public static JsonObject Apply(JsonObject target, JsonObject patch) => MergeObject(target.DeepClone().AsObject(), patch);

    private static JsonObject MergeObject(JsonObject original, JsonObject patch)
    {
        var directive = (string?)patch["$patch"];
        if (directive == "replace")
        {
            return Strip(patch);
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) || key is "$patch" or "$retainKeys")
            {
                continue;
            }

            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (original[field] is JsonArray list && value is JsonArray remove)
                {
                    var drop = remove.Select(JsonPathText).ToHashSet(StringComparer.Ordinal);
                    original[field] = new JsonArray(list.Where(e => !drop.Contains(JsonPathText(e))).Select(e => e?.DeepClone()).ToArray());
                }

                continue;
            }

            if (value is null)
            {
                original.Remove(key);
                continue;
            }

            if (value is JsonObject vo && (string?)vo["$patch"] == "delete")
            {
                original.Remove(key);
                continue;
            }

            var existing = original[key];
            var merged = (existing, value) switch
            {
                (JsonObject o, JsonObject p) => MergeObject(o, p),
                (JsonArray o, JsonArray p) => MergeList(key, o, p),
                (_, JsonObject p) => MergeObject([], p),
                (_, JsonArray p) => MergeList(key, [], p),
                _ => value.DeepClone(),
            };
            if (!ReferenceEquals(merged, existing))
            {
                original[key] = merged;
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) && value is JsonArray order)
            {
                var field = key["$setElementOrder/".Length..];
                if (original[field] is JsonArray list)
                {
                    original[field] = Reorder(field, list, order);
                }
            }
        }

        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => (string?)k).ToHashSet(StringComparer.Ordinal);
            foreach (var key in original.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
            {
                original.Remove(key);
            }
        }

        return original;
    }

    private static JsonArray MergeList(string field, JsonArray original, JsonArray patch)
    {
        if (patch.Any(e => e is JsonObject o && (string?)o["$patch"] == "replace"))
        {
            return new JsonArray(patch.Where(e => !(e is JsonObject o && o.ContainsKey("$patch"))).Select(e => e is JsonObject o ? Strip(o) : e?.DeepClone()).ToArray());
        }

        if (MergedPrimitiveLists.Contains(field) && patch.All(e => e is JsonValue))
        {
            var result = original.DeepClone().AsArray();
            var seen = original.Select(JsonPathText).ToHashSet(StringComparer.Ordinal);
            foreach (var e in patch.Where(e => seen.Add(JsonPathText(e))))
            {
                result.Add(e?.DeepClone());
            }

            return result;
        }

        var mergeKey = MergeKey(field, original, patch);
        if (mergeKey is null)
        {
            return new JsonArray(patch.Select(e => e is JsonObject o ? Strip(o) : e?.DeepClone()).ToArray());
        }

        var merged = original.DeepClone().AsArray();
        foreach (var element in patch.OfType<JsonObject>())
        {
            var keyValue = JsonPathText(element[mergeKey]);
            var index = IndexOf(merged, mergeKey, keyValue);
            if ((string?)element["$patch"] == "delete")
            {
                if (index >= 0)
                {
                    merged.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                var existing = merged[index]!.AsObject();
                var result = MergeObject(existing, element);
                if (!ReferenceEquals(result, existing))
                {
                    merged[index] = result;
                }
            }
            else
            {
                merged.Add(MergeObject([], element));
            }
        }

        return merged;
    }

    private static JsonArray Reorder(string field, JsonArray list, JsonArray order)
    {
        var mergeKey = MergeKey(field, list, order);
        string Identity(JsonNode? n) => mergeKey is not null && n is JsonObject o ? JsonPathText(o[mergeKey]) : JsonPathText(n);
        var positions = order.Select((e, i) => (Identity(e), i)).GroupBy(p => p.Item1).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var sorted = list
            .Select((e, i) => (e, i))
            .OrderBy(p => positions.TryGetValue(Identity(p.e), out var at) ? at : int.MaxValue)
            .ThenBy(p => p.i)
            .Select(p => p.e?.DeepClone())
            .ToArray();
        return new JsonArray(sorted);
    }

    private static string? MergeKey(string field, JsonArray original, JsonArray patch)
    {
        if (!MergeKeys.TryGetValue(field, out var candidates))
        {
            return null;
        }

        // "ports" merges on containerPort inside a container and on port inside a Service.
        return candidates.FirstOrDefault(k => patch.Concat(original).OfType<JsonObject>().Any(e => e.ContainsKey(k)));
    }

    private static int IndexOf(JsonArray list, string key, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject o && JsonPathText(o[key]) == value)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A copy without directive keys, for content that replaces rather than merges.</summary>
    private static JsonObject Strip(JsonObject patch)
    {
        var result = new JsonObject();
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$'))
            {
                continue;
            }

            result[key] = value is JsonObject o ? Strip(o) : value?.DeepClone();
        }

        return result;
    }

    private static string JsonPathText(JsonNode? node) => node?.ToJsonString() ?? "null";
}
