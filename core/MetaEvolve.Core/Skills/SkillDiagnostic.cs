namespace MetaEvolve.Core.Skills;

/// <summary>A problem found in a skill's template or source, positioned inside that text (1-based).</summary>
/// <param name="Severity">"Error" or "Warning" (the Skill status vocabulary).</param>
/// <param name="Code">A Roslyn id (CS0103), or one of <see cref="SkillDiagnosticCodes"/>.</param>
public sealed record SkillDiagnostic(string Severity, string Code, int Line, int Column, string Message)
{
    public const string Error = "Error";

    public static SkillDiagnostic AnError(string code, int line, int column, string message) => new(Error, code, line, column, message);

    public override string ToString() => $"{Line}:{Column}: {Severity.ToLowerInvariant()} {Code}: {Message}";
}
