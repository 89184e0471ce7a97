using System.Runtime.InteropServices;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>
/// Skill hosts run as the same user as the process that starts them. A dumpable process's <c>/proc/&lt;pid&gt;</c>
/// files (environ, mem, fd) are open to any process of that user; marking it non-dumpable closes them, so a
/// host cannot read the worker's API keys or connection strings from <c>/proc/&lt;worker&gt;/environ</c>.
/// </summary>
public static class NonDumpable
{
    private const int PrSetDumpable = 4;
    private const int PrGetDumpable = 3;

    /// <summary>Marks the current process non-dumpable; false where the platform has no prctl.</summary>
    public static bool TryApply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        return Prctl(PrSetDumpable, 0, 0, 0, 0) == 0;
    }

    /// <summary>Whether the current process is dumpable (tests check the worker applied <see cref="TryApply"/>).</summary>
    public static bool IsDumpable() => OperatingSystem.IsLinux() && Prctl(PrGetDumpable, 0, 0, 0, 0) == 1;

    // Blittable arguments only, so no marshalling code (and no unsafe) is needed.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "prctl")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
#pragma warning restore SYSLIB1054
}
