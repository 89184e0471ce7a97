using System.Runtime.InteropServices;

namespace MetaEvolve.SkillHost;

/// <summary>
/// Confines the host with Landlock (Linux 5.13+, unprivileged): from here on it may read only the runtime's and
/// its own files, write only its working directory, open no TCP connection (ABI 4+), and neither signal nor
/// reach abstract sockets of processes outside its domain (ABI 6+). It also cannot ptrace the worker or another
/// host: Landlock limits ptrace to processes in the same or a nested domain.
/// </summary>
internal static unsafe class Landlock
{
    private const long SysCreateRuleset = 444;
    private const long SysAddRule = 445;
    private const long SysRestrictSelf = 446;
    private const int CreateRulesetVersion = 1;
    private const int RulePathBeneath = 1;
    private const int PrSetNoNewPrivs = 38;

    private const ulong Execute = 1 << 0;
    private const ulong WriteFile = 1 << 1;
    private const ulong ReadFile = 1 << 2;
    private const ulong ReadDir = 1 << 3;
    private const ulong Truncate = 1 << 14;

    // Every filesystem right of each ABI version (rights the kernel does not know must not be asked for).
    private static readonly ulong[] FsRightsByAbi = [0, (1 << 13) - 1, (1 << 14) - 1, (1 << 15) - 1, (1 << 15) - 1, (1 << 16) - 1, (1 << 16) - 1, (1 << 16) - 1];
    private const ulong FileRights = Execute | WriteFile | ReadFile | Truncate | (1 << 15);
    private const ulong NetBindTcp = 1;
    private const ulong NetConnectTcp = 2;
    private const ulong ScopeAbstractUnixSocket = 1;
    private const ulong ScopeSignal = 2;

    /// <returns>null when confined; otherwise why not (the host still runs: the other limits do not depend on it).</returns>
    public static string? Confine(string workDirectory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux";
        }

        var abi = (int)Syscall(SysCreateRuleset, 0, 0, CreateRulesetVersion);
        if (abi < 1)
        {
            return $"the kernel offers no Landlock (errno {Marshal.GetLastPInvokeError()})";
        }

        var fsRights = FsRightsByAbi[Math.Min(abi, FsRightsByAbi.Length - 1)];
        var attributes = new RulesetAttributes
        {
            HandledAccessFs = fsRights,
            HandledAccessNet = abi >= 4 ? NetBindTcp | NetConnectTcp : 0,
            Scoped = abi >= 6 ? ScopeAbstractUnixSocket | ScopeSignal : 0,
        };
        var size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
        var ruleset = (int)Syscall(SysCreateRuleset, (nint)(&attributes), size, 0);
        if (ruleset < 0)
        {
            return $"landlock_create_ruleset failed (errno {Marshal.GetLastPInvokeError()})";
        }

        try
        {
            var readOnly = Execute | ReadFile | ReadDir;
            foreach (var path in ReadablePaths)
            {
                Allow(ruleset, path, readOnly & fsRights);
            }

            Allow(ruleset, workDirectory, fsRights);
            if (Prctl(PrSetNoNewPrivs, 1, 0, 0, 0) != 0)
            {
                return $"prctl(PR_SET_NO_NEW_PRIVS) failed (errno {Marshal.GetLastPInvokeError()})";
            }

            return Syscall(SysRestrictSelf, ruleset, 0, 0) == 0 ? null : $"landlock_restrict_self failed (errno {Marshal.GetLastPInvokeError()})";
        }
        finally
        {
            _ = Close(ruleset);
        }
    }

    // The runtime and the host, time zones, and the shared libraries the runtime loads lazily (OpenSSL for the
    // digest check): nothing there is a secret. Not /proc, /etc or /home, nor the worker's folders.
    private static readonly string[] ReadablePaths =
    [
        AppContext.BaseDirectory, RuntimeEnvironment(), "/usr/share/zoneinfo", "/etc/localtime", "/dev/urandom", "/dev/null",
        "/lib", "/lib64", "/usr/lib", "/usr/lib64",
    ];

    /// <summary>Every shared framework (NETCore and ASP.NET Core), or the app folder of a self-contained host.</summary>
    private static string RuntimeEnvironment()
    {
        var runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        var shared = Path.GetDirectoryName(Path.GetDirectoryName(runtime));
        return shared is not null && Path.GetFileName(shared) == "shared" ? shared : runtime;
    }

    private static void Allow(int ruleset, string path, ulong rights)
    {
        if (!Path.Exists(path))
        {
            return;
        }

        const int OPath = 0x200000;
        const int OCloexec = 0x80000;
        var fd = Open(path, OPath | OCloexec);
        if (fd < 0)
        {
            return;
        }

        try
        {
            var rule = new PathBeneath { AllowedAccess = Directory.Exists(path) ? rights : rights & FileRights, ParentFd = fd };
            _ = SyscallNative(SysAddRule, ruleset, RulePathBeneath, (nint)(&rule), 0);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RulesetAttributes
    {
        public ulong HandledAccessFs;
        public ulong HandledAccessNet;
        public ulong Scoped;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct PathBeneath
    {
        public ulong AllowedAccess;
        public int ParentFd;
    }

    private static long Syscall(long number, nint a, nint b, nint c) => SyscallNative(number, a, b, c, 0);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long SyscallNative(long number, nint a, nint b, nint c, nint d);

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static extern int Prctl(int option, nuint a, nuint b, nuint c, nuint d);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
