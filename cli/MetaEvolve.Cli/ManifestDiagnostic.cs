namespace MetaEvolve.Cli;

/// <summary>A rejection, positioned in the manifest file.</summary>
internal sealed record ManifestDiagnostic(int Line, int Column, string Code, string Message)
{
    /// <summary>The contract format: <c>file:line:column: error CODE: message</c>.</summary>
    public string Format(string file) => $"{file}:{Line}:{Column}: error {Code}: {Message}";
}
