using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetaEvolve.Core.Skills.Hosting;

namespace MetaEvolve.Core.Skills.Evolution;

/// <summary>
/// What an agent asked for with <c>evolution.ProposeSkill</c>, read from the function's arguments. Arguments arrive as
/// text (direct calls carry strings; a model's JSON values are turned into their JSON text), so <c>tests</c> and
/// <c>inputVariables</c> are JSON arrays inside strings. Only the fields of the Skill schema are kept.
/// </summary>
public sealed partial record SkillProposalRequest
{
    public const string CSharp = "CSharp";
    public const string Prompt = "Prompt";

    public required string Name { get; init; }

    /// <summary><see cref="CSharp"/> or <see cref="Prompt"/>.</summary>
    public required string Type { get; init; }

    public string? Description { get; init; }

    /// <summary>Null when the agent left it to the worker (<see cref="SkillVersionBump"/>).</summary>
    public string? Version { get; init; }

    public string? Source { get; init; }
    public string? Template { get; init; }

    /// <summary>Prompt input variables in the Skill schema's shape (isRequired filled in).</summary>
    public JsonArray InputVariables { get; init; } = [];

    /// <summary>Declared tests in the Skill schema's shape (<c>{name?, function, arguments?, expect}</c>).</summary>
    public JsonArray Tests { get; init; } = [];

    /// <summary>The refusal message when a part is over <see cref="ProposalLimits"/>, else null.</summary>
    public static string? CheckSize(IReadOnlyDictionary<string, string?> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        foreach (var (field, limit) in new[] { ("source", ProposalLimits.MaxSourceBytes), ("template", ProposalLimits.MaxSourceBytes), ("tests", ProposalLimits.MaxTestsBytes) })
        {
            if (arguments.TryGetValue(field, out var value) && value is not null && Encoding.UTF8.GetByteCount(value) > limit)
            {
                return $"{field} is {Encoding.UTF8.GetByteCount(value)} bytes; the limit is {limit} bytes";
            }
        }

        return null;
    }

    /// <summary>Reads the arguments; every problem found becomes one error diagnostic (none when the request is returned).</summary>
    public static SkillProposalRequest? Parse(IReadOnlyDictionary<string, string?> arguments, out IReadOnlyList<SkillDiagnostic> errors)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var problems = new List<string>();
        string? Text(string field) => arguments.TryGetValue(field, out var value) && !string.IsNullOrEmpty(value) ? value : null;

        var name = Text("name");
        if (name is null)
        {
            problems.Add("name is required");
        }
        else if (name.Length > ProposalLimits.MaxNameLength || !NamePattern().IsMatch(name))
        {
            problems.Add($"name '{name}' must be a DNS-1123 label of at most {ProposalLimits.MaxNameLength} characters (lowercase letters, digits and '-', starting and ending with a letter or digit)");
        }
        else if (name is "evolution" or "system")
        {
            problems.Add($"name '{name}' is reserved for a built-in plugin");
        }

        var type = Text("type");
        if (string.Equals(type, CSharp, StringComparison.OrdinalIgnoreCase))
        {
            type = CSharp;
        }
        else if (string.Equals(type, Prompt, StringComparison.OrdinalIgnoreCase))
        {
            type = Prompt;
        }
        else
        {
            problems.Add($"type must be CSharp or Prompt{(type is null ? "" : $", not '{type}'")}");
        }

        var description = Text("description");
        if (description is { Length: > 1024 })
        {
            problems.Add("description is longer than 1024 characters");
        }

        var version = Text("version");
        if (version is not null && !SkillVersionBump.IsValid(version))
        {
            problems.Add($"version '{version}' is not a version (MAJOR[.MINOR[.PATCH]], optionally with a v prefix and a -suffix)");
        }

        var source = Text("source");
        var template = Text("template");
        JsonArray variables = [];
        if (type == CSharp)
        {
            if (source is null)
            {
                problems.Add("a CSharp skill needs source");
            }

            if (template is not null)
            {
                problems.Add("a CSharp skill takes source, not template");
            }
        }
        else if (type == Prompt)
        {
            if (template is null)
            {
                problems.Add("a Prompt skill needs template");
            }

            if (source is not null)
            {
                problems.Add("a Prompt skill takes template, not source");
            }

            variables = ReadInputVariables(Text("inputVariables"), problems);
        }

        var tests = ReadTests(Text("tests"), problems);
        errors = [.. problems.Select(p => SkillDiagnostic.AnError(SkillDiagnosticCodes.ProposalInvalid, 1, 1, p))];
        return problems.Count > 0 ? null : new SkillProposalRequest
        {
            Name = name!,
            Type = type!,
            Description = description,
            Version = version,
            Source = type == CSharp ? source : null,
            Template = type == Prompt ? template : null,
            InputVariables = variables,
            Tests = tests,
        };
    }

    /// <summary>
    /// The Skill spec to publish, in its Kubernetes JSON form with the schema's defaults filled in (prompt format,
    /// isRequired, origin), so the digest of this JSON is the digest of the Skill the operator creates from it.
    /// </summary>
    public JsonObject ToSpec(string version, string agent)
    {
        var spec = new JsonObject();
        if (Description is not null)
        {
            spec["description"] = Description;
        }

        spec["type"] = Type;
        spec["version"] = version;
        if (Type == Prompt)
        {
            var prompt = new JsonObject { ["template"] = Template, ["format"] = PromptSkillFactory.SemanticKernelFormat };
            if (InputVariables.Count > 0)
            {
                prompt["inputVariables"] = InputVariables.DeepClone();
            }

            spec["prompt"] = prompt;
        }
        else
        {
            spec["csharp"] = new JsonObject { ["source"] = Source };
        }

        spec["tests"] = Tests.DeepClone();
        spec["origin"] = new JsonObject { ["authoredBy"] = "Agent", ["agentRef"] = new JsonObject { ["name"] = agent } };
        return spec;
    }

    /// <summary>The declared tests as the skill host runs them.</summary>
    public IReadOnlyList<SkillTestCaseDefinition> TestCases() => [.. Tests.OfType<JsonObject>().Select((t, i) =>
    {
        var expect = t["expect"]!.AsObject();
        var function = (string)t["function"]!;
        return new SkillTestCaseDefinition(
            SkillChecker.TestLabel((string?)t["name"], function, i),
            function,
            (t["arguments"] as JsonObject ?? []).ToDictionary(a => a.Key, a => (string?)a.Value),
            new SkillTestExpectation((string?)expect["equals"], (string?)expect["contains"], (string?)expect["matches"]));
    })];

    /// <summary>A prompt skill's one function, as the operator builds it (named after the skill, '-' → '_').</summary>
    public PromptSkillDefinition PromptDefinition() => new(
        Name.Replace('-', '_'),
        Description,
        Template ?? "",
        PromptSkillFactory.SemanticKernelFormat,
        [.. InputVariables.OfType<JsonObject>().Select(v => new PromptSkillVariable((string)v["name"]!, (string?)v["description"], (string?)v["default"], (bool?)v["isRequired"] ?? true))],
        null);

    private static JsonArray ReadInputVariables(string? json, List<string> problems)
    {
        JsonArray variables = [];
        foreach (var (item, index) in ReadArray("inputVariables", json, problems))
        {
            var where = $"inputVariables[{index}]";
            var name = StringField(item, "name", where, problems);
            if (name is null || !VariablePattern().IsMatch(name) || name.Length > 64)
            {
                problems.Add($"{where}.name must be an identifier (letters, digits, '_') of at most 64 characters");
                continue;
            }

            var variable = new JsonObject { ["name"] = name };
            CopyString(item, variable, "description", where, problems);
            CopyString(item, variable, "default", where, problems);
            variable["isRequired"] = item["isRequired"] switch
            {
                null => true, // SkillDefaults.InputVariableIsRequired: stored with the default, as the API server would.
                JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
                JsonValue value when value.TryGetValue<string>(out var text) && bool.TryParse(text, out var parsed) => parsed,
                _ => Problem<bool>(problems, $"{where}.isRequired must be true or false"),
            };
            variables.Add(variable);
        }

        if (variables.Count > ProposalLimits.MaxInputVariables)
        {
            problems.Add($"at most {ProposalLimits.MaxInputVariables} inputVariables");
        }

        return variables;
    }

    private static JsonArray ReadTests(string? json, List<string> problems)
    {
        if (json is null)
        {
            problems.Add("tests are required: a JSON array of at least one {name?, function, arguments?, expect: {equals|contains|matches}}");
            return [];
        }

        JsonArray tests = [];
        foreach (var (item, index) in ReadArray("tests", json, problems))
        {
            var where = $"tests[{index}]";
            var test = new JsonObject();
            CopyString(item, test, "name", where, problems);
            var function = StringField(item, "function", where, problems);
            if (function is not { Length: > 0 and <= 128 })
            {
                problems.Add($"{where}.function is required (1 to 128 characters)");
                continue;
            }

            test["function"] = function;
            if (item["arguments"] is JsonObject arguments)
            {
                var copied = new JsonObject();
                foreach (var (argument, value) in arguments)
                {
                    // The schema holds arguments as strings; a model's number or boolean keeps its JSON text.
                    copied[argument] = value switch
                    {
                        JsonValue text when text.GetValueKind() == JsonValueKind.String => text.GetValue<string>(),
                        JsonValue scalar when scalar.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => scalar.ToJsonString(),
                        _ => Problem<string>(problems, $"{where}.arguments.{argument} must be a string"),
                    };
                }

                test["arguments"] = copied;
            }
            else if (item["arguments"] is not null)
            {
                problems.Add($"{where}.arguments must be an object of strings");
            }

            if (item["expect"] is not JsonObject expect)
            {
                problems.Add($"{where}.expect is required: {{equals|contains|matches: text}}");
                continue;
            }

            var expectation = new JsonObject();
            foreach (var kind in new[] { "equals", "contains", "matches" })
            {
                CopyString(expect, expectation, kind, $"{where}.expect", problems);
            }

            if (expectation.Count != 1)
            {
                problems.Add($"{where}.expect needs exactly one of equals, contains or matches");
            }

            test["expect"] = expectation;
            tests.Add(test);
        }

        if (tests.Count == 0 && !problems.Any(p => p.StartsWith("tests", StringComparison.Ordinal)))
        {
            problems.Add("at least one test is required");
        }

        if (tests.Count > ProposalLimits.MaxTests)
        {
            problems.Add($"at most {ProposalLimits.MaxTests} tests");
        }

        return tests;
    }

    private static List<(JsonObject Item, int Index)> ReadArray(string field, string? json, List<string> problems)
    {
        if (json is null)
        {
            return [];
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException exception)
        {
            problems.Add($"{field} is not JSON: {exception.Message}");
            return [];
        }

        if (node is not JsonArray array)
        {
            problems.Add($"{field} must be a JSON array");
            return [];
        }

        var items = new List<(JsonObject Item, int Index)>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject item)
            {
                items.Add((item, i));
            }
            else
            {
                problems.Add($"{field}[{i}] must be an object");
            }
        }

        return items;
    }

    private static string? StringField(JsonObject item, string field, string where, List<string> problems)
    {
        switch (item[field])
        {
            case null:
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return value.GetValue<string>();
            default:
                problems.Add($"{where}.{field} must be a string");
                return null;
        }
    }

    private static void CopyString(JsonObject from, JsonObject to, string field, string where, List<string> problems)
    {
        if (StringField(from, field, where, problems) is { } value)
        {
            to[field] = value;
        }
    }

    private static T? Problem<T>(List<string> problems, string problem)
    {
        problems.Add(problem);
        return default;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex VariablePattern();
}
