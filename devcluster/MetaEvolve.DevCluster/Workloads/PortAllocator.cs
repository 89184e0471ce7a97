using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// Hands out a free loopback port per replica container port, never the same one twice while it is
/// in use, so replicas of one Deployment can all "listen on 8080" side by side.
/// </summary>
public sealed class PortAllocator
{
    private readonly HashSet<int> _inUse = [];
    private readonly Lock _gate = new();

    public int Allocate()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = ChildProcess.FreeLoopbackPort();
            lock (_gate)
            {
                if (_inUse.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("no free loopback port");
    }

    public void Release(IEnumerable<int> ports)
    {
        lock (_gate)
        {
            foreach (var p in ports)
            {
                _inUse.Remove(p);
            }
        }
    }
}
