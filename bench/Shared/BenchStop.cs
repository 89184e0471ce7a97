using System.Runtime.InteropServices;

namespace MetaEvolve.Bench;

/// <summary>
/// Ctrl+C and SIGTERM for a benchmark: the first signal cancels <see cref="Token"/> and kills every child process the
/// run started (workers, gateways, operators), so the run unwinds through its clean-up; if it has not ended
/// <see cref="Grace"/> later the process exits anyway, well inside the 10 s a stopped benchmark may take.
/// Shared by the benchmarks (linked into each project).
/// </summary>
internal static class BenchStop
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(6);

    private static readonly CancellationTokenSource Source = new();
    private static readonly List<Action> Children = [];
    private static readonly List<PosixSignalRegistration> Registrations = [];

    public static CancellationToken Token => Source.Token;

    /// <summary>Installs the handlers; call first thing in Main.</summary>
    public static void Install()
    {
        lock (Children)
        {
            if (Registrations.Count > 0)
            {
                return;
            }
            Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop));
            Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop));
        }
    }

    /// <summary>Calls <paramref name="kill"/> (which kills a child process and its children) when the run is stopped.</summary>
    public static void Track(Action kill)
    {
        ArgumentNullException.ThrowIfNull(kill);
        lock (Children)
        {
            Children.Add(kill);
        }
    }

    private static void Stop(PosixSignalContext context)
    {
        // Handled here: the default would end the process at once, leaving the children and the servers' state behind.
        context.Cancel = true;
        if (Source.IsCancellationRequested)
        {
            return;
        }
        Console.Error.WriteLine($"{context.Signal}: stopping (child processes killed, clean-up gets {Grace.TotalSeconds:0} s)");
        Source.Cancel();
        lock (Children)
        {
            foreach (var kill in Children)
            {
                try
                {
                    kill();
                }
                catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Already gone.
                }
            }
        }
        _ = Task.Delay(Grace).ContinueWith(_ => Environment.Exit(130), TaskScheduler.Default);
    }
}
