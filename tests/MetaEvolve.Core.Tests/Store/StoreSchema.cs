using MetaEvolve.Core.Store;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace MetaEvolve.Core.Tests.Store;

/// <summary>
/// A schema of its own for one test on the shared PostgreSQL server, dropped when the test ends.
/// Skips or fails (CI) the test when PostgreSQL cannot be reached.
/// </summary>
internal sealed class StoreSchema : IAsyncDisposable
{
    private StoreSchema(StoreOptions options)
    {
        Options = options;
        DataSource = StoreDataSource.Create(Services.Connections, options);
    }

    public StoreOptions Options { get; }

    public string Name => Options.Schema;

    public NpgsqlDataSource DataSource { get; }

    public static async Task<StoreSchema> CreateAsync()
    {
        await Services.RequirePostgresAsync();
        return new StoreSchema(new StoreOptions { Schema = TestPrefix.New("store") });
    }

    /// <summary>A migrator with its own data source, hence its own connections.</summary>
    public StoreMigrator NewMigrator(NpgsqlDataSource? dataSource = null) =>
        new(dataSource ?? DataSource, Options, NullLogger<StoreMigrator>.Instance);

    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        return value is null or DBNull ? default : (T)value;
    }

    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await ExecuteAsync($"DROP SCHEMA IF EXISTS {Name} CASCADE");
        await DataSource.DisposeAsync();
    }
}
