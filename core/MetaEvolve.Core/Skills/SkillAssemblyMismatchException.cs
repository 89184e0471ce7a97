namespace MetaEvolve.Core.Skills;

/// <summary>
/// A stored skill assembly whose bytes do not hash to the SHA-256 the validating component stored with them (or that
/// has none): written around the validator, or damaged. It is refused, never loaded.
/// </summary>
public sealed class SkillAssemblyMismatchException : Exception
{
    public SkillAssemblyMismatchException(string digest, string? expectedSha256)
        : base(expectedSha256 is null
            ? $"The stored assembly of skill digest {digest} has no SHA-256 from the operator; refusing to load it."
            : $"The stored assembly of skill digest {digest} does not match the SHA-256 the operator stored with it ({expectedSha256}); refusing to load it.")
    {
        Digest = digest;
    }

    public SkillAssemblyMismatchException()
    {
        Digest = "";
    }

    public SkillAssemblyMismatchException(string message)
        : base(message)
    {
        Digest = "";
    }

    public SkillAssemblyMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
        Digest = "";
    }

    public string Digest { get; }
}
