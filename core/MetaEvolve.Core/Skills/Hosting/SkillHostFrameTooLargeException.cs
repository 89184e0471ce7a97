namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>A message longer than the reader accepts (for the pool: a skill's output over the limit).</summary>
public sealed class SkillHostFrameTooLargeException : Exception
{
    public SkillHostFrameTooLargeException() { }
    public SkillHostFrameTooLargeException(string message) : base(message) { }
    public SkillHostFrameTooLargeException(string message, Exception innerException) : base(message, innerException) { }

    public SkillHostFrameTooLargeException(long length, long limit)
        : base($"a message of {length} bytes exceeds the limit of {limit} bytes") => Length = length;

    public long Length { get; }
}
