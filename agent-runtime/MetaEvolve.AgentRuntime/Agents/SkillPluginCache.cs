using System.Text.Json.Nodes;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Skills.Mcp;
using MetaEvolve.Crds;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Loaded skill versions shared by every agent of the worker, by (skill, digest). Reference counted: agent
/// snapshots rent the versions they use and return them when retired. A C# skill's code never loads here: the
/// cache holds its compiled bytes and the functions a skill host reported, and calls run in skill hosts. An Mcp skill's
/// version holds the worker's one client to its server (<see cref="McpSkillConnection"/>), closed when unloaded.
/// </summary>
public sealed class SkillPluginCache(CSharpSkillEngine engine, ISkillExecutor executor, AgentOptions options, ILogger<SkillPluginCache> logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Ns, string Name, string Digest), Entry> _entries = [];

    /// <summary>Versions loaded now (tests and metrics watch unloading through it).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public async Task<SkillPlugin> RentAsync(StoredSkill skill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var key = (skill.Namespace, skill.Name, skill.Digest);
        Entry entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                // Not bound to the renter's token: another renter may be waiting on the same load.
                entry = new Entry(LoadAsync(skill));
                _entries[key] = entry;
            }

            entry.References++;
        }

        try
        {
            return (await entry.Load.WaitAsync(cancellationToken)).Plugin;
        }
        catch
        {
            Return(skill);
            throw;
        }
    }

    public void Return(StoredSkill skill)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var key = (skill.Namespace, skill.Name, skill.Digest);
        Entry? released = null;
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && --entry.References == 0)
            {
                _entries.Remove(key);
                released = entry;
            }
        }

        if (released is not null)
        {
            _ = UnloadAsync(skill, released);
        }
    }

    private async Task UnloadAsync(StoredSkill skill, Entry entry)
    {
        try
        {
            var loaded = await entry.Load;
            if (loaded.Resources is { } resources)
            {
                await resources.DisposeAsync();
            }

            logger.LogInformation("Unloaded skill {Namespace}/{Skill} {Digest}", skill.Namespace, skill.Name, skill.Digest);
        }
#pragma warning disable CA1031 // A load that failed has nothing to unload; its error went to the renters.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task<Loaded> LoadAsync(StoredSkill skill)
    {
        var pluginName = SkillNames.ToKernelName(skill.Name);
        var spec = JsonNode.Parse(skill.SpecJson) as JsonObject ?? [];
        var description = (string?)spec["description"];
        switch (skill.Type)
        {
            case "CSharp":
                {
                    var source = (string?)spec["csharp"]?["source"]
                        ?? throw new SkillUnavailableException($"skill '{skill.Name}' ({skill.Digest}) is CSharp but has no spec.csharp.source");
                    var compilation = await engine.EnsureCompiledAsync(skill.Digest, source, CancellationToken.None);
                    if (!compilation.Succeeded)
                    {
                        throw new SkillUnavailableException(
                            $"skill '{skill.Name}' version {skill.Version} does not compile: {string.Join("; ", compilation.Diagnostics.Take(3).Select(d => d.ToString()))}");
                    }

                    var assembly = new SkillAssembly(skill.Digest, pluginName, compilation.Assembly!);
                    var described = await executor.DescribeAsync(assembly, options.SkillLimits, CancellationToken.None);
                    if (!described.Loaded)
                    {
                        throw new SkillUnavailableException($"skill '{skill.Name}' version {skill.Version} cannot be loaded: {described.Failure!.Error}");
                    }

                    logger.LogInformation("Loaded C# skill {Namespace}/{Skill} {Version} ({Digest})", skill.Namespace, skill.Name, skill.Version, skill.Digest);
                    return new Loaded(new SkillPlugin(skill, HostedSkillPlugin.Create(executor, assembly, description, described.Functions), assembly));
                }

            case "Prompt":
                {
                    var prompt = spec["prompt"] as JsonObject
                        ?? throw new SkillUnavailableException($"skill '{skill.Name}' ({skill.Digest}) is Prompt but has no spec.prompt");
                    var settings = prompt["executionSettings"] as JsonObject;
                    var build = PromptSkillFactory.Build(new PromptSkillDefinition(
                        pluginName,
                        description,
                        (string?)prompt["template"] ?? "",
                        (string?)prompt["format"],
                        [.. (prompt["inputVariables"] as JsonArray ?? []).OfType<JsonObject>().Select(v => new PromptSkillVariable(
                        (string?)v["name"] ?? "", (string?)v["description"], (string?)v["default"], (bool?)v["isRequired"] ?? SkillDefaults.InputVariableIsRequired))],
                        settings is null ? null : new PromptSkillSettings(
                            (double?)settings["temperature"], (double?)settings["topP"], (int?)settings["maxTokens"],
                            (settings["stopSequences"] as JsonArray)?.Select(s => (string?)s ?? "").ToList())));
                    if (!build.Succeeded)
                    {
                        throw new SkillUnavailableException(
                            $"skill '{skill.Name}' version {skill.Version} has an invalid template: {string.Join("; ", build.Diagnostics.Take(3).Select(d => d.ToString()))}");
                    }

                    logger.LogInformation("Loaded prompt skill {Namespace}/{Skill} {Version} ({Digest})", skill.Namespace, skill.Name, skill.Version, skill.Digest);
                    return new Loaded(new SkillPlugin(skill, Microsoft.SemanticKernel.KernelPluginFactory.CreateFromFunctions(pluginName, description, [build.Function!])));
                }

            case "Mcp":
                return await LoadMcpAsync(skill, pluginName, description, spec);

            default:
                throw new SkillUnavailableException($"skill '{skill.Name}' has unknown type '{skill.Type}'");
        }
    }

    /// <summary>
    /// Connects (the version's one client, kept while the version is loaded) and lists the tools now: pinning an Mcp skill
    /// pins its configuration, the tools are the server's. A server that does not answer fails the load, so the task
    /// says why and the next one tries again.
    /// </summary>
    private async Task<Loaded> LoadMcpAsync(StoredSkill skill, string pluginName, string? description, JsonObject spec)
    {
        McpServerSettings settings;
        try
        {
            settings = McpServerSettings.FromSpec(spec);
        }
        catch (FormatException exception)
        {
            throw new SkillUnavailableException($"skill '{skill.Name}' ({skill.Digest}) is Mcp but {exception.Message}", exception);
        }

        var (headers, missing) = McpHeaderSecrets.FromEnvironment(skill.Name, settings);
        if (missing is not null)
        {
            throw new SkillUnavailableException($"skill '{skill.Name}' version {skill.Version}: {missing}");
        }

        var connection = new McpSkillConnection($"{skill.Namespace}/{skill.Name}", settings, headers, logger);
        try
        {
            var tools = await connection.ListToolsAsync(CancellationToken.None);
            logger.LogInformation("Loaded MCP skill {Namespace}/{Skill} {Version} ({Digest}) with tools {Tools}",
                skill.Namespace, skill.Name, skill.Version, skill.Digest, string.Join(", ", tools.Select(t => t.Name)));
            return new Loaded(new SkillPlugin(skill, McpSkillPlugin.Create(pluginName, description, connection, tools)), connection);
        }
        catch (McpServerUnavailableException exception)
        {
            await connection.DisposeAsync();
            throw new SkillUnavailableException($"skill '{skill.Name}' version {skill.Version}: {exception.Message}", exception);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <param name="Resources">What the version holds open while loaded (an Mcp skill's client).</param>
    private sealed record Loaded(SkillPlugin Plugin, IAsyncDisposable? Resources = null);

    private sealed class Entry(Task<Loaded> load)
    {
        public Task<Loaded> Load { get; } = load;
        public int References { get; set; }
    }
}
