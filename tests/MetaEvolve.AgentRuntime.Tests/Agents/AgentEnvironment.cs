using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using NATS.Client.KeyValueStore;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// A <see cref="PipelineEnvironment"/> (private schema, namespace, stream) plus what agents need: a private config
/// bucket, a private Redis key prefix, and helpers that publish skills and agents the way the operator does —
/// store first, then the digest on the config bucket.
/// </summary>
public sealed class AgentEnvironment : IAsyncLifetime
{
    public const string ApiKey = "sk-test-4f1e2d";

    public PipelineEnvironment Pipeline { get; } = new();
    public string Bucket => Pipeline.Names.ConfigBucket;
    public string RedisPrefix { get; } = TestPrefix.New("agents");
    public ConfigNoticeBoard Board { get; private set; } = null!;
    public SkillVersionRepository SkillVersions { get; private set; } = null!;
    public AgentRepository Agents { get; private set; } = null!;
    public string Namespace => Pipeline.Namespace;

    public async ValueTask InitializeAsync()
    {
        await Services.RequireNatsAsync();
        await Services.RequirePostgresAsync();
        await Services.RequireRedisAsync();
        await Pipeline.InitializeAsync();
        Board = new ConfigNoticeBoard(Pipeline.JetStream, Bucket);
        await Board.StoreAsync(CancellationToken.None);
        SkillVersions = new SkillVersionRepository(Pipeline.DataSource);
        Agents = new AgentRepository(Pipeline.DataSource);
    }

    /// <summary>Stores a skill version, moves its latest pointer and announces it; returns the digest.</summary>
    public async Task<string> PublishSkillAsync(string name, JsonObject spec, bool announce = true)
    {
        var digest = SkillDigest.Compute(spec);
        await SkillVersions.PublishAsync(Namespace, name, (string?)spec["version"] ?? "0.0.0", digest, (string)spec["type"]!, spec.ToJsonString(), "[]", null, CancellationToken.None);
        if (announce)
        {
            await Board.AnnounceAsync(ConfigNotices.SkillKey(Namespace, name), digest, CancellationToken.None);
        }

        return digest;
    }

    /// <summary>Projects an agent into the store (pool <see cref="PipelineEnvironment.Pool"/>) and announces it.</summary>
    public async Task SetAgentAsync(string name, JsonObject spec, JsonArray? resolvedSkills = null)
    {
        var digest = SkillDigest.Compute(spec);
        await Agents.UpsertAsync(Namespace, name, PipelineEnvironment.Pool, digest, spec.ToJsonString(), (resolvedSkills ?? []).ToJsonString(), CancellationToken.None);
        await Board.AnnounceAsync(ConfigNotices.AgentKey(Namespace, name), digest, CancellationToken.None);
    }

    public ChildProcess StartWorker(int concurrency = 16, int maxDeliver = 1, IDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Agents__RedisPrefix"] = RedisPrefix,
            ["Agents__ModelRetryDelay"] = "00:00:00.050",
            [AgentSecrets.ApiKeyVariable(PipelineEnvironment.Agent)] = ApiKey,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return Pipeline.StartWorker(concurrency, maxDeliver: maxDeliver, extra: settings);
    }

    public TaskEnvelope Chat(string message, string? thread = null, string agent = PipelineEnvironment.Agent) => new()
    {
        Id = TaskIds.NewId(),
        Namespace = Namespace,
        Pool = PipelineEnvironment.Pool,
        Agent = agent,
        ThreadId = thread,
        Input = TaskInput.Chat(message),
    };

    public TaskEnvelope Call(string skill, string function, string argumentsJson, string agent = PipelineEnvironment.Agent) => new()
    {
        Id = TaskIds.NewId(),
        Namespace = Namespace,
        Pool = PipelineEnvironment.Pool,
        Agent = agent,
        Input = TaskInput.Direct(skill, function, JsonDocument.Parse(argumentsJson).RootElement.Clone()),
    };

    /// <summary>Publishes the task and waits for its final record.</summary>
    public async Task<TaskRecord> RunAsync(TaskEnvelope envelope, TimeSpan? timeout = null)
    {
        await Pipeline.Publisher.PublishAsync(envelope);
        return await Pipeline.WaitForFinalAsync(envelope.Id, timeout ?? TimeSpan.FromSeconds(60));
    }

    public static JsonObject Output(TaskRecord record) => JsonNode.Parse(record.OutputJson ?? "null") as JsonObject
        ?? throw new InvalidOperationException($"task {record.Id} has no output ({record.Status}: {record.Error})");

    public async ValueTask DisposeAsync()
    {
        if (Pipeline.JetStream is null)
        {
            // Skipped before the services were reached.
            return;
        }

        try
        {
            await new NatsKVContext(Pipeline.JetStream).DeleteStoreAsync(Bucket);
        }
        catch (NATS.Client.JetStream.NatsJSException)
        {
        }

        await Pipeline.DisposeAsync();
    }

    /// <summary>An agent spec on the scripted model.</summary>
    public static JsonObject AgentSpec(ScriptedModelServer model, string instructions, JsonArray? skills = null, int maxIterations = 8, int? ttlSeconds = null) => new()
    {
        ["poolRef"] = new JsonObject { ["name"] = PipelineEnvironment.Pool },
        ["instructions"] = instructions,
        ["model"] = new JsonObject
        {
            ["provider"] = "OpenAICompatible",
            ["model"] = "scripted-1",
            ["endpoint"] = model.Endpoint,
            ["apiKeySecretRef"] = new JsonObject { ["name"] = "model-key", ["key"] = "apiKey" },
            ["temperature"] = 0.2,
        },
        ["skills"] = skills ?? [],
        ["maxIterations"] = maxIterations,
        ["memory"] = new JsonObject { ["maxTurns"] = 10, ["ttlSeconds"] = ttlSeconds ?? 3600 },
    };

    public static JsonArray SkillRefs(params string[] names) => [.. names.Select(n => (JsonNode)new JsonObject { ["name"] = n })];

    public const string CalcSource = """
        using System;
        using System.ComponentModel;
        using Microsoft.SemanticKernel;

        public sealed class Calc
        {
            [KernelFunction, Description("Adds two integers.")]
            public int Add([Description("The first addend.")] int a, [Description("The second addend.")] int b) => a + b;

            [KernelFunction, Description("Always throws.")]
            public string Explode([Description("Why.")] string reason) => throw new InvalidOperationException("exploded: " + reason);
        }
        """;

    public static JsonObject CalcSkill(string version = "1.0.0", string source = CalcSource) => new()
    {
        ["type"] = "CSharp",
        ["version"] = version,
        ["description"] = "Integer arithmetic.",
        ["csharp"] = new JsonObject { ["source"] = source },
    };

    public static JsonObject SummarizeSkill() => new()
    {
        ["type"] = "Prompt",
        ["version"] = "1.0.0",
        ["description"] = "Summarizes a text in one line.",
        ["prompt"] = new JsonObject
        {
            ["template"] = "Summarize in one line: {{$text}}",
            ["inputVariables"] = new JsonArray(new JsonObject { ["name"] = "text", ["description"] = "The text to summarize.", ["isRequired"] = true }),
        },
    };
}
