using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>
/// How a host process is started: which file, under which resource limits, with which (clean) environment and
/// working directory. Pure decisions from the options and the machine; <see cref="SkillHostProcess"/> starts it.
/// </summary>
internal sealed class SkillHostLaunch
{
    /// <summary>The host executable's file name (a dll run by the dotnet muxer, or its apphost beside it).</summary>
    public const string HostFileName = "MetaEvolve.SkillHost.dll";

    private static readonly string[] PrlimitLocations = ["/usr/bin/prlimit", "/bin/prlimit"];

    private readonly SkillHostOptions _options;

    public SkillHostLaunch(SkillHostOptions options)
    {
        _options = options;
        HostPath = ResolveHostPath(options);
        Prlimit = options.AddressSpaceLimitBytes > 0 ? PrlimitLocations.FirstOrDefault(File.Exists) : null;
    }

    /// <summary>The host file in use.</summary>
    public string HostPath { get; }

    /// <summary>The prlimit binary that applies the address-space limit before exec, when there is one.</summary>
    public string? Prlimit { get; }

    public bool AddressSpaceLimited => Prlimit is not null;

    public ProcessStartInfo StartInfo(string workDirectory)
    {
        var (program, arguments) = Command();
        var info = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        if (Prlimit is not null)
        {
            info.FileName = Prlimit;
            info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--as={_options.AddressSpaceLimitBytes}"));
            info.ArgumentList.Add("--core=0");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(program);
        }
        else
        {
            info.FileName = program;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("--work");
        info.ArgumentList.Add(workDirectory);

        // Nothing of the caller's environment (API keys, connection strings) reaches skill code: the host gets
        // only what the runtime needs and its limits.
        info.Environment.Clear();
        info.Environment["HOME"] = workDirectory;
        info.Environment["TMPDIR"] = workDirectory;
        info.Environment["DOTNET_GCHeapHardLimit"] = _options.HeapHardLimitBytes.ToString("X", CultureInfo.InvariantCulture);
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (DotnetRoot() is { } root)
        {
            info.Environment["DOTNET_ROOT"] = root;
        }

        return info;
    }

    private (string Program, IReadOnlyList<string> Arguments) Command()
    {
        if (!HostPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return (HostPath, []);
        }

        // A framework-dependent dll runs under the muxer that runs this process (or the one in DOTNET_ROOT / PATH).
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return (current, [HostPath]);
        }

        var apphost = Path.ChangeExtension(HostPath, null);
        if (File.Exists(apphost))
        {
            return (apphost, []);
        }

        return (DotnetRoot() is { } root && File.Exists(Path.Combine(root, "dotnet")) ? Path.Combine(root, "dotnet") : "dotnet", [HostPath]);
    }

    /// <summary>The install folder of the running shared runtime (null for a self-contained app).</summary>
    private static string? DotnetRoot()
    {
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var shared = Path.GetDirectoryName(Path.GetDirectoryName(runtime));
        return shared is not null && Path.GetFileName(shared) == "shared" ? Path.GetDirectoryName(shared) : null;
    }

    private static string ResolveHostPath(SkillHostOptions options)
    {
        var path = options.HostPath is { Length: > 0 } configured ? configured
            : Environment.GetEnvironmentVariable(SkillHostOptions.HostPathVariable) is { Length: > 0 } variable ? variable
            : Path.Combine(AppContext.BaseDirectory, HostFileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"the skill host executable was not found at {path}; it ships beside the worker, the operator and the CLI, or set {SkillHostOptions.HostPathVariable}",
                path);
        }

        return Path.GetFullPath(path);
    }
}
