using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace MetaEvolve.Operator.Tests.Regions;

/// <summary>One region's store for a test: a migrated PostgreSQL schema of its own, dropped at the end.</summary>
internal sealed class RegionStore : IAsyncDisposable
{
    private RegionStore(string schema)
    {
        Schema = schema;
        DataSource = StoreDataSource.Create(Services.Connections, new StoreOptions { Schema = schema });
        Tasks = new TaskRepository(DataSource, schema);
    }

    public string Schema { get; }

    public NpgsqlDataSource DataSource { get; }

    public TaskRepository Tasks { get; }

    public static async Task<RegionStore> CreateAsync(string region, CancellationToken cancellationToken)
    {
        await Services.RequirePostgresAsync();
        var store = new RegionStore(TestPrefix.New($"region_{region}"));
        await new StoreMigrator(store.DataSource, new StoreOptions { Schema = store.Schema }, NullLogger<StoreMigrator>.Instance).MigrateAsync(cancellationToken);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var drop = DataSource.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await DataSource.DisposeAsync();
    }
}
