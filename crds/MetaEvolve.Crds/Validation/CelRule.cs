using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cel;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// One <c>x-kubernetes-validations</c> entry, compiled once. Checking it never throws: compile and
/// evaluation failures become field errors worded like the API server's.
/// </summary>
internal sealed partial class CelRule
{
    public required string Rule { get; init; }
    public string Message { get; init; } = "";
    public string? Reason { get; init; }
    public string? FieldPath { get; init; }

    /// <summary>A rule reading <c>oldSelf</c> only applies to updates; this validator sees no old object.</summary>
    public bool IsTransitionRule { get; init; }

    private CelProgramDelegate? Program { get; init; }
    private CelProgramDelegate? MessageProgram { get; init; }

    /// <summary>Where the rule sits in its CRD, e.g. <c>...properties[spec].x-kubernetes-validations[0]</c>.</summary>
    public string SchemaPath { get; init; } = "";

    /// <summary>Why the rule cannot run (as the API server would refuse the CRD for it), or null.</summary>
    public string? CompileError { get; private init; }

    /// <param name="json">The rule's JSON form.</param>
    /// <param name="owner">The schema the rule is declared on, whose fields it may select.</param>
    /// <param name="schemaPath">Where the rule sits in its CRD.</param>
    public static CelRule Compile(JsonObject json, SchemaNode owner, string schemaPath)
    {
        var rule = Text(json, "rule");
        var messageExpression = Text(json, "messageExpression");
        var (program, error) = TryCompile(rule);
        if (program is not null && SelfFieldReferences.FindUndefined(rule, owner) is { } undefined)
        {
            (program, error) = (null, $"undefined field '{undefined}'");
        }

        var (messageProgram, _) = messageExpression.Length == 0 ? (null, null) : TryCompile(messageExpression);
        return new CelRule
        {
            Rule = rule,
            Message = Text(json, "message").Trim(),
            Reason = json["reason"] is JsonValue r && r.GetValueKind() == JsonValueKind.String ? r.GetValue<string>() : null,
            FieldPath = json["fieldPath"] is JsonValue f && f.GetValueKind() == JsonValueKind.String ? f.GetValue<string>() : null,
            IsTransitionRule = OldSelf().IsMatch(rule),
            Program = program,
            MessageProgram = messageProgram,
            CompileError = error,
            SchemaPath = schemaPath,
        };
    }

    /// <summary>Evaluates the rule with <c>self</c> bound to <paramref name="self"/>; null when it holds.</summary>
    /// <param name="self">The value converted for CEL.</param>
    /// <param name="path">The field path of the value.</param>
    /// <param name="typeName">The schema type, which Kubernetes prints as the bad value.</param>
    public FieldError? Check(object? self, string path, string typeName)
    {
        var badValue = JsonValue.Create(typeName);
        if (Program is null)
        {
            return new FieldError(FieldErrorType.Invalid, path, badValue, $"rule compile error: {CompileError}");
        }

        object? result;
        try
        {
            result = KubernetesCelEnvironment.Evaluate(Program, self);
        }
#pragma warning disable CA1031 // Any failure of a user's rule is a validation error, never a crash.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new FieldError(FieldErrorType.Invalid, path, badValue, $"{Describe(e.Message)} evaluating rule: {RuleText}");
        }

        if (result is true)
        {
            return null;
        }

        if (result is not false)
        {
            var why = KubernetesCelEnvironment.IsNoSuchField(result)
                ? Describe(result!.GetType().GetProperty("Message")?.GetValue(result) as string ?? "no such key")
                : $"rule evaluated to {result?.GetType().Name ?? "null"}, not bool";
            return new FieldError(FieldErrorType.Invalid, path, badValue, $"{why} evaluating rule: {RuleText}");
        }

        var detail = EvaluateMessage(self) ?? (Message.Length > 0 ? Message : $"failed rule: {RuleText}");
        var fieldPath = FieldPath is null ? path : AppendFieldPath(path, FieldPath);
        return Reason switch
        {
            "FieldValueForbidden" => new FieldError(FieldErrorType.Forbidden, fieldPath, null, detail),
            "FieldValueRequired" => new FieldError(FieldErrorType.Required, fieldPath, null, detail),
            "FieldValueDuplicate" => new FieldError(FieldErrorType.Duplicate, fieldPath, badValue, ""),
            _ => new FieldError(FieldErrorType.Invalid, fieldPath, badValue, detail),
        };
    }

    private string RuleText => Message.Length > 0 ? Message : Rule.Trim();

    /// <summary>Kubernetes falls back to the static message when messageExpression fails or is blank.</summary>
    private string? EvaluateMessage(object? self)
    {
        if (MessageProgram is null)
        {
            return null;
        }

        try
        {
            return KubernetesCelEnvironment.Evaluate(MessageProgram, self) is string { Length: > 0 } text && !string.IsNullOrWhiteSpace(text)
                ? text.Trim()
                : null;
        }
#pragma warning disable CA1031 // Same as the rule: a failing message expression must not crash validation.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static (CelProgramDelegate? Program, string? Error) TryCompile(string expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return (null, "rule is empty");
        }

        try
        {
            return (KubernetesCelEnvironment.Compile(expression), null);
        }
#pragma warning disable CA1031 // Compile errors are reported when the rule is checked.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (null, e.Message.ReplaceLineEndings(" "));
        }
    }

    /// <summary>Words the package's missing-field failures like CEL-go's "no such key: x".</summary>
    private static string Describe(string message)
    {
        var missing = MissingField().Match(message);
        return missing.Success ? $"no such key: {missing.Groups[1].Value}" : message.ReplaceLineEndings(" ").TrimEnd('.');
    }

    /// <summary>Appends a rule's <c>fieldPath</c> (<c>.a.b</c>, <c>['a']</c>, <c>[0]</c>) to the value's path.</summary>
    private static string AppendFieldPath(string path, string fieldPath)
    {
        foreach (Match segment in FieldPathSegment().Matches(fieldPath))
        {
            if (segment.Groups["name"].Success)
            {
                path = Validation.FieldPath.Child(path, segment.Groups["name"].Value);
            }
            else if (segment.Groups["quoted"].Success)
            {
                path = Validation.FieldPath.Child(path, segment.Groups["quoted"].Value);
            }
            else
            {
                path = Validation.FieldPath.Index(path, int.Parse(segment.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return path;
    }

    private static string Text(JsonObject json, string name) =>
        json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "";

    [GeneratedRegex(@"\boldSelf\b")]
    private static partial Regex OldSelf();

    [GeneratedRegex(@"select field '([^']*)'")]
    private static partial Regex MissingField();

    [GeneratedRegex(@"\.(?<name>[A-Za-z_][A-Za-z0-9_-]*)|\['(?<quoted>[^']*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex FieldPathSegment();
}
