using System.Runtime.InteropServices;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// Points a symlink at a new target in one step, as the kubelet's atomic writer swaps a volume's <c>..data</c>
/// link: a new link beside it, then rename(2) over the old one. .NET's File.Move will not move a link to a
/// directory (it looks through the link), hence the call to libc.
/// </summary>
internal static partial class AtomicSymlink
{
    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Rename(string from, string to);

    /// <summary>Makes <paramref name="link"/> point at <paramref name="target"/>; returns where it pointed before, if anywhere.</summary>
    public static string? Point(string link, string target)
    {
        var previous = new FileInfo(link).LinkTarget;
        var staged = link + ".new";
        File.Delete(staged);
        File.CreateSymbolicLink(staged, target);
        if (Rename(staged, link) != 0)
        {
            throw new IOException($"rename {staged} → {link} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return previous;
    }
}
