using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Sandbox;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tests.Store;
using MetaEvolve.Testing;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Tests.Skills;

/// <summary>Compile once per digest, cluster-wide, through skill_versions.assembly in PostgreSQL.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class SkillAssemblyStoreTests
{
    private const string Source = """
        public sealed class Greeter
        {
            [KernelFunction, Description("Greets")]
            public string Greet(string name) => $"hello {name}";
        }
        """;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_second_worker_loads_the_stored_assembly_without_compiling()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        var digest = "sha256:" + Guid.NewGuid().ToString("N");
        await PublishVersionRowAsync(schema, digest);

        // Two workers: separate engines, compilers and connection pools, sharing only the database.
        await using var secondDataSource = StoreDataSource.Create(Services.Connections, schema.Options);
        var first = new CSharpSkillEngine(new PostgresSkillAssemblyStore(schema.DataSource), new CSharpSkillCompiler());
        var second = new CSharpSkillEngine(new PostgresSkillAssemblyStore(secondDataSource), new CSharpSkillCompiler());

        var one = await first.LoadAsync("greeter", digest, Source, SkillCallOptions.Default, Cancellation);
        var two = await second.LoadAsync("greeter", digest, Source, SkillCallOptions.Default, Cancellation);
        using var firstSkill = one.Skill!;
        using var secondSkill = two.Skill!;

        Assert.Equal((1, 0), (first.Compiler.Compilations, first.StoredLoads));
        Assert.Equal((0, 1), (second.Compiler.Compilations, second.StoredLoads));
        var outcome = await SkillCallRunner.InvokeAsync(new Kernel(), secondSkill.Plugin["Greet"], new KernelArguments { ["name"] = "bob" },
            SkillLimits.Default, Cancellation);
        Assert.Equal("hello bob", outcome.Value);
        Assert.NotNull(await schema.ScalarAsync<byte[]>("SELECT assembly FROM skill_versions WHERE digest = $1", digest));
    }

    [Fact]
    public async Task An_assembly_built_by_another_engine_version_is_rebuilt()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        var digest = "sha256:" + Guid.NewGuid().ToString("N");
        await PublishVersionRowAsync(schema, digest);
        await schema.ExecuteAsync("UPDATE skill_versions SET assembly = $2, assembly_sha256 = encode(sha256($2), 'hex') WHERE digest = $1", digest, new byte[] { 1, 2, 3 });
        var engine = new CSharpSkillEngine(new PostgresSkillAssemblyStore(schema.DataSource), new CSharpSkillCompiler());

        var compilation = await engine.EnsureCompiledAsync(digest, Source, Cancellation);

        Assert.True(compilation.Succeeded);
        Assert.Equal(1, engine.Compiler.Compilations);
        Assert.Equal(compilation.Assembly, await schema.ScalarAsync<byte[]>("SELECT assembly FROM skill_versions WHERE digest = $1", digest));
    }

    [Fact]
    public async Task Bytes_that_do_not_match_the_stored_hash_are_refused_not_loaded()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        var digest = "sha256:" + Guid.NewGuid().ToString("N");
        await PublishVersionRowAsync(schema, digest);
        var engine = new CSharpSkillEngine(new PostgresSkillAssemblyStore(schema.DataSource), new CSharpSkillCompiler());
        var genuine = await engine.EnsureCompiledAsync(digest, Source, Cancellation);
        // Someone with write access swaps the bytes without going through the validator (which writes the hash).
        var tampered = genuine.Assembly!.ToArray();
        tampered[^1] ^= 0xFF;
        await schema.ExecuteAsync("UPDATE skill_versions SET assembly = $2 WHERE digest = $1", digest, tampered);
        var worker = new CSharpSkillEngine(new PostgresSkillAssemblyStore(schema.DataSource, readOnly: true), new CSharpSkillCompiler());

        var refused = await Assert.ThrowsAsync<SkillAssemblyMismatchException>(() => worker.EnsureCompiledAsync(digest, Source, Cancellation));

        Assert.Contains(digest, refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, worker.Compiler.Compilations);
    }

    [Fact]
    public async Task A_read_only_store_compiles_for_itself_and_writes_nothing()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        var digest = "sha256:" + Guid.NewGuid().ToString("N");
        await PublishVersionRowAsync(schema, digest);
        var worker = new CSharpSkillEngine(new PostgresSkillAssemblyStore(schema.DataSource, readOnly: true), new CSharpSkillCompiler());

        var compilation = await worker.EnsureCompiledAsync(digest, Source, Cancellation);

        Assert.True(compilation.Succeeded);
        Assert.Null(await schema.ScalarAsync<byte[]>("SELECT assembly FROM skill_versions WHERE digest = $1", digest));
    }

    [Fact]
    public async Task Saving_without_a_published_version_reports_that_nothing_was_stored()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);

        var saved = await new PostgresSkillAssemblyStore(schema.DataSource).SaveAsync("sha256:none", [1], Cancellation);

        Assert.False(saved);
    }

    // What the operator writes when it publishes a version (here without the assembly, as a stand-in for
    // a version published before its first compile).
    private static Task PublishVersionRowAsync(StoreSchema schema, string digest) =>
        schema.ExecuteAsync(
            "INSERT INTO skill_versions (namespace, name, version, digest, type, spec) VALUES ('default', 'greeter', '1.0.0', $1, 'CSharp', '{}')",
            digest);
}
