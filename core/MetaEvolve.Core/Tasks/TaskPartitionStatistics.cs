using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Tells PostgreSQL's planner how big a day's tasks partition is once it has filled, instead of waiting for
/// autovacuum. The pipeline's statements are prepared once per connection, and PostgreSQL keeps their generic plan:
/// planned while today's partition was nearly empty, the claim and the result write hash-join over sequential scans
/// of every partition, and keep doing so as the partition grows until an ANALYZE invalidates the plan (autovacuum
/// looks once a minute; measured: half the throughput for the first minute of a fresh schema). One ANALYZE at a
/// realistic size is enough: from then on the planner scales the partition's row estimate with its current size,
/// so the plans stay index lookups, and autovacuum keeps the statistics current.
/// A partition is deliberately not analyzed when it is created: an analyzed empty partition is planned as holding
/// no rows, so a cached plan scans it sequentially once it starts filling at midnight, while a partition never
/// analyzed is planned as at least ten pages, which keeps its index.
/// </summary>
public sealed class TaskPartitionStatistics(NpgsqlDataSource dataSource, string schema, ILogger<TaskPartitionStatistics> logger)
{
    /// <summary>Tasks this process writes into a day's partition before it analyzes that partition (once per day).</summary>
    public const int FilledRows = 1_000;

    // Days this process still counts for; older ones leave, so the map stays a handful of entries.
    private const int DaysKept = 3;

    private readonly string _schema = StoreIdentifier.Quote(schema);
    private readonly string _schemaName = schema;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<DateOnly, int> _written = [];

    /// <summary>
    /// Counts tasks this process wrote (by the day their id carries) and starts analyzing a day's partition in the
    /// background when the count for that day reaches <see cref="FilledRows"/>. Returns that analysis, if it started
    /// one, so a caller may wait for it; failures are logged, never thrown.
    /// </summary>
    public Task? Observe(IEnumerable<Guid> taskIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        List<DateOnly>? filled = null;
        lock (_gate)
        {
            foreach (var id in taskIds)
            {
                var day = DateOnly.FromDateTime(TaskIds.CreatedAt(id).UtcDateTime);
                _written.TryGetValue(day, out var count);
                if (count < FilledRows && ++count == FilledRows)
                {
                    (filled ??= []).Add(day);
                }
                _written[day] = count;
            }
            while (_written.Count > DaysKept)
            {
                _written.Remove(_written.Keys.First());
            }
        }
        return filled is null ? null : Task.Run(() => AnalyzeFilledAsync(filled, cancellationToken), CancellationToken.None);
    }

    private async Task AnalyzeFilledAsync(List<DateOnly> days, CancellationToken cancellationToken)
    {
        foreach (var day in days)
        {
            try
            {
                await AnalyzeAsync(day, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Autovacuum analyzes the partition later anyway; until then plans may scan it sequentially.
                logger.LogWarning(ex, "Analyzing the task partition of {Day} in {Schema} failed", day, _schemaName);
            }
        }
    }

    /// <summary>
    /// Runs ANALYZE on the partition of <paramref name="day"/>, which invalidates every cached plan over the tasks
    /// table. Returns false when the day has no partition of its own (its rows are in <c>tasks_default</c>).
    /// </summary>
    public async Task<bool> AnalyzeAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        var partition = "tasks_" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{_schema}.\"{partition}\"" });
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return false;
            }
        }
        await using var analyze = new NpgsqlCommand($"ANALYZE {_schema}.\"{partition}\"", connection);
        await analyze.ExecuteNonQueryAsync(cancellationToken);
        logger.LogInformation("Analyzed task partition {Schema}.{Partition} once it had filled, so cached plans use its indexes", _schemaName, partition);
        return true;
    }
}
