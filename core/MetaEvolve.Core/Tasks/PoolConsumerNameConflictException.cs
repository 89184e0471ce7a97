namespace MetaEvolve.Core.Tasks;

/// <summary>
/// A pool's consumer name is taken by a consumer that serves another pool's subjects: consumer names join namespace
/// and pool with '-' (<see cref="NatsNames.PoolConsumer"/>), so pool <c>b-c</c> in namespace <c>a</c> and pool <c>c</c>
/// in namespace <c>a-b</c> meet at <c>pool-a-b-c</c>. The pool that came second is refused rather than given the
/// other's tasks, and deleting it leaves the other's consumer alone.
/// </summary>
public sealed class PoolConsumerNameConflictException(string message) : InvalidOperationException(message)
{
    public static PoolConsumerNameConflictException For(string stream, string consumer, string servedFilter, PoolConsumerSettings pool) => new(
        $"consumer {consumer} in stream {stream} serves {servedFilter}, another pool whose namespace and name join to the same consumer name; " +
        $"pool {pool.Namespace}/{pool.Pool} cannot use it: rename the pool");
}
