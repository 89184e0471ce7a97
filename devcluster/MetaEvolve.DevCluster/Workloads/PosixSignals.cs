using System.Runtime.InteropServices;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// SIGTERM and SIGKILL to a process group: .NET's Process.Kill only sends SIGKILL, and a container's
/// stop must let the program shut down within its grace period first.
/// </summary>
internal static partial class PosixSignals
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Signals the process group led by <paramref name="pid"/> (started through setsid), else the process.</summary>
    public static void Terminate(int pid, bool group) => Send(pid, SigTerm, group);

    public static void ForceKill(int pid, bool group) => Send(pid, SigKill, group);

    private static void Send(int pid, int signal, bool group)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("the dev workload runner needs POSIX signals");
        }

        if (group && Kill(-pid, signal) == 0)
        {
            return;
        }

        _ = Kill(pid, signal);
    }
}
