using Microsoft.Extensions.Logging;
using Npgsql;

namespace MetaEvolve.Core.Store;

/// <summary>Builds the one pooled <see cref="NpgsqlDataSource"/> a process uses for the store.</summary>
public static class StoreDataSource
{
    /// <summary>
    /// Connections search <see cref="StoreOptions.Schema"/> first, so store code names tables
    /// without a schema and a test's schema is used wherever the data source goes.
    /// </summary>
    public static NpgsqlDataSource Create(
        ConnectionOptions connection,
        StoreOptions store,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(store);

        var builder = new NpgsqlDataSourceBuilder(connection.Postgres);
        builder.ConnectionStringBuilder.SearchPath = store.Schema;
        builder.ConnectionStringBuilder.ApplicationName ??= "metaevolve";
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder.Build();
    }
}
