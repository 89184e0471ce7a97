namespace MetaEvolve.Core.Skills;

/// <summary>Diagnostic codes of the skill engine (compiler errors keep Roslyn's own CSxxxx ids).</summary>
public static class SkillDiagnosticCodes
{
    /// <summary>A type or member that is not on the sandbox allowlist.</summary>
    public const string SymbolNotAllowed = "SBX001";

    /// <summary>A language construct the sandbox forbids (unsafe, stackalloc, extern, lock, __arglist...).</summary>
    public const string ConstructNotAllowed = "SBX002";

    /// <summary>A catch clause that could swallow the sandbox's stop (catch-all, Exception, SystemException...).</summary>
    public const string CatchNotAllowed = "SBX003";

    /// <summary>A regular expression that matches without an explicit timeout.</summary>
    public const string RegexWithoutTimeout = "SBX004";

    /// <summary>State that outlives a call and could grow (mutable or growable fields), or code the host would run outside a call (static ctor, finalizer).</summary>
    public const string StateNotAllowed = "SBX005";

    /// <summary>A type declared in a namespace reserved for the platform (System, Microsoft, MetaEvolve...).</summary>
    public const string ReservedNamespace = "SBX006";

    /// <summary>An assignment to static framework state (a process-wide setting).</summary>
    public const string GlobalStateWrite = "SBX007";

    /// <summary>A value type, or a method's large locals, too big for the stack (an overflow would kill the worker).</summary>
    public const string StackTooLarge = "SBX008";

    /// <summary>The source declares no public [KernelFunction] method, or two functions share a name.</summary>
    public const string NoFunctions = "SKL001";

    /// <summary>A class with instance functions lacks a public parameterless constructor.</summary>
    public const string NoConstructor = "SKL002";

    /// <summary>Compilation took longer than the compiler's time limit.</summary>
    public const string CompileTimeout = "SKL003";

    /// <summary>The instrumented source failed to compile (an engine bug, never the author's fault).</summary>
    public const string InstrumentationFailed = "SKL099";

    /// <summary>A prompt template that does not parse.</summary>
    public const string TemplateSyntax = "TPL001";

    /// <summary>A prompt template format this engine does not support.</summary>
    public const string TemplateFormat = "TPL002";

    /// <summary>An agent's skill proposal whose arguments do not describe a skill (missing or malformed field).</summary>
    public const string ProposalInvalid = "PRP001";

    /// <summary>A declared test case that failed or was stopped when the Skill was validated.</summary>
    public const string TestFailed = "TestFailed";
}
