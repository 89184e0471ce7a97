using MetaEvolve.Core;
using MetaEvolve.Core.Budgets;
using MetaEvolve.Core.Store;
using MetaEvolve.Operator.Tenancy;
using MetaEvolve.Operator.Tests.Cluster;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StackExchange.Redis;

namespace MetaEvolve.Operator.Tests.Tenancy;

/// <summary>
/// A namespace's own PostgreSQL role and Redis user, on the real servers: what the connection Secret of team-a carries
/// reaches team-a's rows and keys and nothing of team-b's; it cannot write compiled assemblies or migrate; it is gone
/// when the namespace's last pool is.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class NamespaceCredentialsTests : IAsyncLifetime
{
    private readonly StoreOptions _store = new() { Schema = TestPrefix.New("tenancy") };
    private NpgsqlDataSource _owner = null!;
    private ConnectionMultiplexer _redis = null!;
    private NamespaceCredentials _credentials = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await Services.RequirePostgresAsync();
        await Services.RequireRedisAsync();
        _owner = StoreDataSource.Create(Services.Connections, _store);
        await new StoreMigrator(_owner, _store, NullLogger<StoreMigrator>.Instance).MigrateAsync(Cancellation);
        _redis = await ConnectionMultiplexer.ConnectAsync(Services.Connections.Redis);
        _credentials = NewCredentials();
        foreach (var ns in new[] { "team-a", "team-b" })
        {
            await ExecuteAsync(_owner, "INSERT INTO agents (namespace, name, pool, digest, spec) VALUES ($1, 'helper', 'pool', 'd', '{}')", ns);
            await ExecuteAsync(_owner, "INSERT INTO skill_versions (namespace, name, version, digest, type, spec, assembly, assembly_sha256) VALUES ($1, 'tool', '1.0.0', 'sha256:x', 'CSharp', '{}', '\\x01', 'h')", ns);
            await ExecuteAsync(_owner, "INSERT INTO tasks (id, created_at, namespace, agent, pool, input) SELECT $2, uuid_v7_time($2), $1, 'helper', 'pool', '{}'", ns, Guid.CreateVersion7());
        }
    }

    [Fact]
    public async Task Team_a_reads_and_writes_only_its_own_rows()
    {
        await using var teamA = await StoreAsAsync("team-a");

        Assert.Equal(["team-a"], await ColumnAsync(teamA, "SELECT DISTINCT namespace FROM agents"));
        Assert.Equal(["team-a"], await ColumnAsync(teamA, "SELECT DISTINCT namespace FROM tasks"));
        Assert.Equal(["team-a"], await ColumnAsync(teamA, "SELECT DISTINCT namespace FROM skill_versions"));
        // Writing a row of another namespace is refused by the policy, not merely hidden.
        var insert = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(teamA,
            "INSERT INTO tasks (id, created_at, namespace, agent, pool, input) SELECT $2, uuid_v7_time($2), $1, 'helper', 'pool', '{}'", "team-b", Guid.CreateVersion7()));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        Assert.Equal(0, await ExecuteAsync(teamA, "UPDATE tasks SET status = 'cancelled' WHERE namespace = 'team-b'"));
        Assert.Equal(1, await ExecuteAsync(teamA, "UPDATE tasks SET status = 'running' WHERE namespace = 'team-a'"));
        Assert.Equal(["queued"], await ColumnAsync(_owner, "SELECT status FROM tasks WHERE namespace = 'team-b'"));
    }

    [Fact]
    public async Task Team_a_records_and_reads_its_skill_proposals_as_a_worker_does_but_cannot_change_them()
    {
        await using var teamA = await StoreAsAsync("team-a");
        var proposals = new SkillProposalRepository(teamA);
        var id = Guid.CreateVersion7();
        await new SkillProposalRepository(_owner).InsertAsync(Proposal(Guid.CreateVersion7(), "team-b", "PendingApproval"), Cancellation);

        await proposals.InsertAsync(Proposal(id, "team-a", "Accepted"), Cancellation);

        Assert.Equal("Accepted", (await proposals.FindStateAsync(id, Cancellation))?.State);
        Assert.Equal(1, await proposals.CountRecentAsync("team-a", "helper", TimeSpan.FromHours(1), Cancellation));
        Assert.Equal(["letters"], await proposals.AuthoredNamesAsync("team-a", "helper", Cancellation));
        Assert.Equal(["1.0.0"], await proposals.KnownVersionsAsync("team-a", "helper", "letters", Cancellation));
        Assert.Equal("letters", Assert.Single(await proposals.ListAuthoredAsync("team-a", "helper", Cancellation)).Skill);
        Assert.Equal("helper", await proposals.FindOtherProposerAsync("team-a", "letters", "agent-b", Cancellation));
        Assert.Null(await proposals.FindOtherProposerAsync("team-a", "letters", "helper", Cancellation));
        // team-b's row is not even visible, and a worker cannot move its own row on: that is the operator's.
        Assert.Equal(0, await proposals.CountRecentAsync("team-b", "helper", TimeSpan.FromHours(1), Cancellation));
        var insert = await Assert.ThrowsAsync<PostgresException>(() => proposals.InsertAsync(Proposal(Guid.CreateVersion7(), "team-b", "Accepted"), Cancellation));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        var update = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(teamA, "UPDATE skill_proposals SET state = 'Published'"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, update.SqlState);
    }

    private static SkillProposalRecord Proposal(Guid id, string ns, string state) =>
        new(id, ns, "helper", null, "letters", "1.0.0", "CSharp", "{}", "sha256:x", state, null, null, "[]");

    [Theory]
    [InlineData("UPDATE skill_versions SET assembly = '\\x02'")]
    [InlineData("UPDATE skill_versions SET assembly_sha256 = 'forged'")]
    [InlineData("INSERT INTO skill_versions (namespace, name, version, digest, type, spec) VALUES ('team-a', 'new', '1', 'd', 'Prompt', '{}')")]
    [InlineData("UPDATE agents SET spec = '{}'")]
    [InlineData("SELECT password FROM namespace_roles")]
    [InlineData("DELETE FROM tasks")]
    [InlineData("SELECT ensure_task_partitions(0, '2040-01-01')")]
    [InlineData("CREATE TABLE intruder (id int)")]
    public async Task Team_a_cannot_write_skills_agents_or_the_schema(string sql)
    {
        await using var teamA = await StoreAsAsync("team-a");

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(teamA, sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task Team_a_creates_the_coming_days_partitions_through_the_definer_function_only()
    {
        await using var teamA = await StoreAsAsync("team-a");

        Assert.True(await ScalarAsync<int>(teamA, "SELECT ensure_upcoming_task_partitions(3)") >= 0);
        var tooFar = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(teamA, "SELECT ensure_upcoming_task_partitions(5000)"));
        Assert.Contains("between 0 and 31", tooFar.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Team_a_reaches_only_its_own_threads_in_redis()
    {
        await using var teamA = await ConnectionMultiplexer.ConnectAsync(await RedisOfAsync("team-a") + ",allowAdmin=true");
        var db = teamA.GetDatabase();
        var own = $"metaevolve:thread:team-a:helper:{Guid.NewGuid():N}";
        var other = $"metaevolve:thread:team-b:helper:{Guid.NewGuid():N}";
        await _redis.GetDatabase().ListRightPushAsync(other, "secret turn");

        await db.ListRightPushAsync(own, "turn");
        Assert.Equal(["turn"], (await db.ListRangeAsync(own)).Select(v => (string)v!));
        Assert.Contains("NOPERM", (await Assert.ThrowsAsync<RedisServerException>(() => db.ListRangeAsync(other))).Message, StringComparison.Ordinal);
        Assert.Contains("NOPERM", (await Assert.ThrowsAsync<RedisServerException>(() => db.ListRightPushAsync(other, "x"))).Message, StringComparison.Ordinal);
        Assert.Contains("NOPERM", (await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("KEYS", "*"))).Message, StringComparison.Ordinal);
        Assert.Contains("NOPERM", (await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("FLUSHALL"))).Message, StringComparison.Ordinal);
        Assert.Equal(["secret turn"], (await _redis.GetDatabase().ListRangeAsync(other)).Select(v => (string)v!));
        await _redis.GetDatabase().KeyDeleteAsync([own, other]);
    }

    [Fact]
    public async Task Team_a_counts_its_own_budget_in_redis_and_not_another_namespaces()
    {
        await using var teamA = await ConnectionMultiplexer.ConnectAsync(await RedisOfAsync("team-a"));
        var db = teamA.GetDatabase();
        var day = $"test-{Guid.NewGuid():N}";
        var own = BudgetCounterKeys.Agent("metaevolve", "team-a", "helper", day);
        var other = BudgetCounterKeys.Namespace("metaevolve", "team-b", day);

        // As the workers add usage: a script over the declared keys.
        var added = await db.ScriptEvaluateAsync("return redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[1])", [own], [42]);
        Assert.Equal(42, (long)added);
        Assert.Contains("NOPERM", (await Assert.ThrowsAsync<RedisServerException>(() => db.HashIncrementAsync(other, BudgetCounterKeys.TokensField, 1))).Message, StringComparison.Ordinal);
        Assert.Contains("NOPERM", (await Assert.ThrowsAsync<RedisServerException>(() =>
            db.ScriptEvaluateAsync("return redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[1])", [other], [1]))).Message, StringComparison.Ordinal);
        Assert.Equal(42, (long)await _redis.GetDatabase().HashGetAsync(own, BudgetCounterKeys.TokensField));
        await _redis.GetDatabase().KeyDeleteAsync([own, other]);
    }

    [Fact]
    public async Task The_secret_carries_no_operator_credential_and_a_restarted_operator_hands_out_the_same_password()
    {
        var first = await _credentials.EnvironmentAsync("team-a", Cancellation);
        var again = await NewCredentials().EnvironmentAsync("team-a", Cancellation);

        var postgres = new NpgsqlConnectionStringBuilder(first[ConnectionOptions.PostgresVariable]);
        Assert.Equal(NamespaceStoreRoles.RoleName(_store.Schema, "team-a"), postgres.Username);
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(Services.Connections.Postgres).Username, postgres.Username);
        Assert.Equal(first, again);
        Assert.Equal("false", first[NamespaceCredentials.MigrateStoreVariable]);
        var redis = ConfigurationOptions.Parse(first[ConnectionOptions.RedisVariable]);
        Assert.Equal($"metaevolve:{_store.Schema}:team-a", redis.User);
        Assert.Equal(postgres.Password, redis.Password);
    }

    [Fact]
    public async Task Forgetting_a_namespace_drops_its_role_and_its_redis_user()
    {
        var environment = await _credentials.EnvironmentAsync("team-a", Cancellation);

        await _credentials.ForgetAsync("team-a", Cancellation);

        await using var teamA = NpgsqlDataSource.Create(environment[ConnectionOptions.PostgresVariable]);
        var login = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<int>(teamA, "SELECT 1"));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, login.SqlState);
        Assert.Empty(await ColumnAsync(_owner, "SELECT namespace FROM namespace_roles"));
        var users = (RedisResult[])(await _redis.GetDatabase().ExecuteAsync("ACL", "USERS"))!;
        Assert.DoesNotContain($"metaevolve:{_store.Schema}:team-a", users.Select(u => (string)u!));
    }

    public async ValueTask DisposeAsync()
    {
        await StoreSchemaRemoval.DropAsync(_owner, _store.Schema);
        await OperatorCluster.RemoveRedisUsersAsync(Services.Connections.Redis, _store.Schema);
        await _owner.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private NamespaceCredentials NewCredentials() => new(
        new OperatorOptions { StoreSchema = _store.Schema },
        Services.Connections,
        new NamespaceStoreRoles(_owner, _store, NullLogger<NamespaceStoreRoles>.Instance),
        new NamespaceRedisUsers(_redis, "metaevolve", _store.Schema, NullLogger<NamespaceRedisUsers>.Instance));

    // As a worker connects: the namespace's credentials, the store's search path.
    private async Task<NpgsqlDataSource> StoreAsAsync(string ns) => StoreDataSource.Create(
        Services.Connections with { Postgres = (await _credentials.EnvironmentAsync(ns, Cancellation))[ConnectionOptions.PostgresVariable] }, _store);

    private async Task<string> RedisOfAsync(string ns) => (await _credentials.EnvironmentAsync(ns, Cancellation))[ConnectionOptions.RedisVariable];

    private static async Task<int> ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return await command.ExecuteNonQueryAsync(Cancellation);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    private static async Task<List<string>> ColumnAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var values = new List<string>();
        while (await reader.ReadAsync(Cancellation))
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }
}
