namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Task ids are UUIDv7: time-ordered (index-friendly) and carrying their creation time, so any process
/// holding only the id can compute <c>created_at</c> and hit the right partition of the tasks table.
/// </summary>
public static class TaskIds
{
    public static Guid NewId() => Guid.CreateVersion7();

    public static bool IsVersion7(Guid id) => id.Version == 7;

    /// <summary>The millisecond timestamp embedded in a UUIDv7 (the row's <c>created_at</c>).</summary>
    public static DateTimeOffset CreatedAt(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        long ms = 0;
        for (var i = 0; i < 6; i++)
        {
            ms = (ms << 8) | bytes[i];
        }
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }
}
