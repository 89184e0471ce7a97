namespace MetaEvolve.Core.Skills.Evolution;

/// <summary>Bounds on what one agent proposal may carry, checked before anything is parsed or compiled.</summary>
public static class ProposalLimits
{
    /// <summary>
    /// Largest source or template, in UTF-8 bytes. A model that writes more is usually looping; every proposal is kept
    /// as a store row and compiled twice (worker, then operator), and the Skill object it becomes lives in etcd, so the
    /// bound stays well below the Skill schema's own (256 KiB source, 64 KiB template).
    /// </summary>
    public const int MaxSourceBytes = 64 * 1024;

    /// <summary>Largest tests argument, in UTF-8 bytes, for the same reasons (expected values count against it).</summary>
    public const int MaxTestsBytes = 64 * 1024;

    /// <summary>The Skill schema's bound on declared tests.</summary>
    public const int MaxTests = 100;

    /// <summary>The Skill schema's bound on a prompt's input variables.</summary>
    public const int MaxInputVariables = 32;

    /// <summary>Object names in this project (ResourceNames.MaxLength in the API package).</summary>
    public const int MaxNameLength = 50;
}
