using System.Globalization;

namespace MetaEvolve.Bench.Operator;

/// <summary>
/// agent-runtime processes the local runner started from this process. The dev control plane removes a Pod object
/// as soon as it is deleted while its process still shuts down (a real kubelet keeps the Pod, terminating, until its
/// containers exit), so "no pods" alone does not mean no worker can still take a task: count the processes too.
/// </summary>
internal static class LocalWorkerProcesses
{
    public static int Count(string dllName)
    {
        var self = Environment.ProcessId;
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(dllName, StringComparison.Ordinal) && DescendsFrom(pid, self))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return count;
    }

    private static bool DescendsFrom(int pid, int ancestor)
    {
        for (var depth = 0; depth < 8 && pid > 1; depth++)
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            pid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            if (pid == ancestor)
            {
                return true;
            }
        }

        return false;
    }
}
