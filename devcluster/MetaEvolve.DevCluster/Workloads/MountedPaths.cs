namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// Rewrites environment values that are paths inside a container's volume mounts to where the volume
/// really is. There are no mount namespaces here: every pod's processes share the host's file system, so
/// a Secret mounted at /etc/app/tls cannot appear at /etc/app/tls (two replicas, or two pods, would
/// collide, and the path may not be writable). Each volume is a folder in the pod's sandbox instead, and a
/// setting such as <c>CertificateFile=/etc/app/tls/tls.crt</c> (after <c>$(VAR)</c> expansion) becomes
/// <c>&lt;sandbox&gt;/volumes/tls/tls.crt</c>. Paths a program builds itself, or reads from a file, are
/// beyond this: such images need their own command in the image map.
/// </summary>
public sealed class MountedPaths
{
    private readonly List<(string MountPath, string HostPath)> _mounts;

    /// <param name="mounts">Container mount path → the host path behind it (volume folder + subPath).</param>
    public MountedPaths(IEnumerable<(string MountPath, string HostPath)> mounts)
    {
        // The deepest mount wins, as on a node where a nested mount hides its parent's folder.
        _mounts = mounts.Select(m => (m.MountPath.TrimEnd('/'), m.HostPath)).Where(m => m.Item1.Length > 0)
            .OrderByDescending(m => m.Item1.Length).ToList();
    }

    public string Rewrite(string value)
    {
        foreach (var (mountPath, hostPath) in _mounts)
        {
            if (value == mountPath)
            {
                return hostPath;
            }

            if (value.StartsWith(mountPath + "/", StringComparison.Ordinal))
            {
                return Path.Combine(hostPath, value[(mountPath.Length + 1)..]);
            }
        }

        return value;
    }

    public void Apply(Dictionary<string, string> env)
    {
        foreach (var (name, value) in env.ToList())
        {
            env[name] = Rewrite(value);
        }
    }
}
