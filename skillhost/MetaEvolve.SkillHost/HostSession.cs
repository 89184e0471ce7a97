using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.SemanticKernel;

namespace MetaEvolve.SkillHost;

/// <summary>One host's life: one load (checked against its SHA-256), then calls of that skill, one at a time.</summary>
internal sealed class HostSession
{
    /// <summary>Largest request accepted (the load carries the assembly).</summary>
    private const int MaxRequestBytes = 64 * 1024 * 1024;

    private readonly Kernel _kernel = new();
    private LoadedCSharpSkill? _skill;

    /// <summary>
    /// Runs the call path once on a built-in function (the JIT compiles Semantic Kernel's invocation and the wire
    /// format) while the host waits for its load, so a skill's first call does not pay for it.
    /// </summary>
    public static void WarmUp()
    {
        var function = KernelFunctionFactory.CreateFromMethod((string text) => text, "warm_up");
        var outcome = SkillCallRunner.InvokeAsync(new Kernel(), function, new KernelArguments { ["text"] = "x" }, SkillLimits.Default, CancellationToken.None).GetAwaiter().GetResult();
        SkillHostChannel.Write(Stream.Null, SkillHostResponse.From(outcome));
        using var request = new MemoryStream();
        SkillHostChannel.Write(request, SkillHostRequest.Call("warm_up", new Dictionary<string, string?> { ["text"] = "x" }, SkillLimits.Default));
        request.Position = 0;
        _ = SkillHostChannel.Read<SkillHostRequest>(request, MaxRequestBytes);
    }

    public int Serve(Stream input, Stream output)
    {
        while (SkillHostChannel.Read<SkillHostRequest>(input, MaxRequestBytes) is { } request)
        {
            var response = request.Kind switch
            {
                SkillHostRequestKind.Load => Load(request),
                _ => Call(request),
            };
            SkillHostChannel.Write(output, response);
        }

        return 0;
    }

    private SkillHostResponse Load(SkillHostRequest request)
    {
        if (_skill is not null)
        {
            return Failed($"this host already serves {_skill.Digest}; a host loads exactly one skill version");
        }

        var bytes = request.Assembly ?? [];
        var actual = SkillAssembly.HashOf(bytes);
        if (actual != request.Sha256)
        {
            return Failed($"the assembly's bytes hash to {actual}, not {request.Sha256}; refusing to load them");
        }

        try
        {
            _skill = CSharpSkillLoader.Load(request.Digest ?? actual, bytes, request.PluginName ?? "skill", null, new SkillCallOptions(request.Limits, CancellationToken.None));
        }
#pragma warning disable CA1031 // Whatever the skill's constructors did becomes the load's outcome.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return SkillHostResponse.From(SkillCallRunner.Classify(exception));
        }

        return new SkillHostResponse { Status = SkillCallStatus.Completed };
    }

    private SkillHostResponse Call(SkillHostRequest request)
    {
        if (_skill is null)
        {
            return Failed("no skill is loaded in this host");
        }

        if (request.Function is null || !_skill.Plugin.TryGetFunction(request.Function, out var function))
        {
            return Failed($"the skill has no function '{request.Function}' (it has: {string.Join(", ", _skill.Plugin.Select(f => f.Name))})");
        }

        var arguments = new KernelArguments();
        foreach (var (name, value) in request.Arguments ?? new Dictionary<string, string?>())
        {
            arguments[name] = value;
        }

        // The host's one thread runs the call; nothing else runs here, so blocking on it is the point.
        var outcome = SkillCallRunner.InvokeAsync(_kernel, function, arguments, request.Limits, CancellationToken.None).GetAwaiter().GetResult();
        return SkillHostResponse.From(outcome);
    }

    private static SkillHostResponse Failed(string error) => new() { Status = SkillCallStatus.Failed, Error = error };
}
