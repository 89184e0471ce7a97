using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Skills.Sandbox;
using MetaEvolve.Crds;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Cli;

/// <summary>
/// Runs a Skill's declared tests the way a worker would run the skill: C# through the sandbox policy and the
/// instrumented compile, then in a skill host process (<see cref="SkillHostPool"/>); prompts through Semantic
/// Kernel with a real model.
/// </summary>
internal sealed class SkillTestRunner(TextWriter output, SkillTestOptions options)
{
    public async Task<int> RunAsync(string file, string text, CancellationToken cancellationToken)
    {
        var (manifest, rejections) = SkillManifest.Load(text);
        if (manifest is null)
        {
            return Reject(file, rejections);
        }

        var spec = manifest.Skill.Spec;
        var name = manifest.Skill.Metadata.Name ?? "skill";
        var tests = spec.Tests ?? [];
        return spec.Type switch
        {
            SkillType.CSharp => await RunCSharpAsync(file, manifest, name, tests, cancellationToken),
            SkillType.Prompt => await RunPromptAsync(file, manifest, name, tests, cancellationToken),
            SkillType.Mcp => RejectMcp(file, manifest),
            _ => Reject(file, [new ManifestDiagnostic(1, 1, "Schema", $"unknown skill type {spec.Type}")]),
        };
    }

    /// <summary>An Mcp skill's functions are a remote server's tools: nothing to run locally.</summary>
    private int RejectMcp(string file, SkillManifest manifest)
    {
        var (line, column) = manifest.Yaml.PositionOf("spec.type");
        return Reject(file, [new ManifestDiagnostic(line, column, "Unsupported",
            "skill test runs Prompt and CSharp skills; an Mcp skill's functions are its server's tools: apply it and read status.functions, or run `metaevolve call <agent> <skill>.<tool>`")]);
    }

    private async Task<int> RunCSharpAsync(string file, SkillManifest manifest, string name, IList<SkillTestCase> tests, CancellationToken cancellationToken)
    {
        if (manifest.Skill.Spec.CSharp?.Source is not { Length: > 0 } source)
        {
            var (line, column) = manifest.Yaml.PositionOf("spec.csharp");
            return Reject(file, [new ManifestDiagnostic(line, column, "FieldValueRequired", "spec.csharp.source is required for type CSharp")]);
        }

        var digest = SkillDigest.Compute(manifest.Json["spec"]);
        var pluginName = SkillNames.ToKernelName(name);
        var compilation = new CSharpSkillCompiler().Compile(source, "skill_" + new string([.. digest.Where(char.IsAsciiLetterOrDigit).Skip("sha256".Length).Take(24)]), cancellationToken);
        if (!compilation.Succeeded)
        {
            return Reject(file, [.. compilation.Diagnostics.Select(d => InFile(manifest, "spec.csharp.source", d))]);
        }

        // The tests run where a worker would run the calls: in a skill host, under limits enforced from outside.
        await using var hosts = new SkillHostPool(new SkillHostOptions { MaxHosts = 2 });
        var assembly = new SkillAssembly(digest, pluginName, compilation.Assembly!);
        var described = await hosts.DescribeAsync(assembly, options.Limits, cancellationToken);
        if (!described.Loaded)
        {
            var failure = described.Failure!;
            var stopped = failure.Status == SkillCallStatus.Stopped;
            await output.WriteLineAsync($"{(stopped ? "STOP" : "FAIL")} load: {failure.Error}");
            return stopped ? SkillTestExitCode.Stopped : SkillTestExitCode.Failed;
        }

        await output.WriteLineAsync($"{file}: compiled {name} ({digest}), functions: {string.Join(", ", described.Functions.Select(f => f.Name))}");
        var cases = new List<SkillTestCaseDefinition>();
        var results = new List<SkillCallStatus>();
        for (var i = 0; i < tests.Count; i++)
        {
            var test = tests[i];
            var label = test.Name ?? $"{test.Function}#{i + 1}";
            if (!described.Functions.Any(f => f.Name == test.Function))
            {
                await output.WriteLineAsync($"FAIL {label}: the skill has no function '{test.Function}'");
                results.Add(SkillCallStatus.Failed);
                continue;
            }

            cases.Add(new SkillTestCaseDefinition(label, test.Function, (test.Arguments ?? new Dictionary<string, string>()).ToDictionary(a => a.Key, a => (string?)a.Value),
                new SkillTestExpectation(test.Expect.EqualTo, test.Expect.Contains, test.Expect.Matches)));
        }

        foreach (var outcome in await hosts.RunTestsAsync(assembly, cases, options.Limits, tenant: "metaevolve skill test", cancellationToken))
        {
            await output.WriteLineAsync(outcome.Verdict switch
            {
                SkillTestVerdict.Passed => $"PASS {outcome.Label}",
                SkillTestVerdict.Stopped => $"STOP {outcome.Label}: {outcome.Message}",
                _ => $"FAIL {outcome.Label}: {outcome.Message}",
            });
            results.Add(outcome.Verdict switch
            {
                SkillTestVerdict.Passed => SkillCallStatus.Completed,
                SkillTestVerdict.Stopped => SkillCallStatus.Stopped,
                _ => SkillCallStatus.Failed,
            });
        }

        return await SummarizeAsync(results, skipped: 0);
    }

    private async Task<int> RunPromptAsync(string file, SkillManifest manifest, string name, IList<SkillTestCase> tests, CancellationToken cancellationToken)
    {
        var prompt = manifest.Skill.Spec.Prompt;
        if (prompt is null)
        {
            var (line, column) = manifest.Yaml.PositionOf("spec.prompt");
            return Reject(file, [new ManifestDiagnostic(line, column, "FieldValueRequired", "spec.prompt is required for type Prompt")]);
        }

        var build = PromptSkillFactory.Build(new PromptSkillDefinition(
            SkillNames.ToKernelName(name),
            manifest.Skill.Spec.Description,
            prompt.Template,
            prompt.Format?.ToString(),
            [.. (prompt.InputVariables ?? []).Select(v => new PromptSkillVariable(v.Name, v.Description, v.Default, v.IsRequired ?? SkillDefaults.InputVariableIsRequired))],
            prompt.ExecutionSettings is { } s ? new PromptSkillSettings(s.Temperature, s.TopP, s.MaxTokens, s.StopSequences?.ToList()) : null));
        if (!build.Succeeded)
        {
            return Reject(file, [.. build.Diagnostics.Select(d => InFile(manifest, "spec.prompt.template", d))]);
        }

        await output.WriteLineAsync($"{file}: built prompt function {build.Function!.Name}");
        var kernel = ModelKernel();
        var results = new List<SkillCallStatus>();
        var skipped = 0;
        for (var i = 0; i < tests.Count; i++)
        {
            var test = tests[i];
            var label = test.Name ?? $"{test.Function}#{i + 1}";
            if (SkillNames.ToKernelName(test.Function) != build.Function.Name)
            {
                await output.WriteLineAsync($"FAIL {label}: the skill has no function '{test.Function}' (a prompt skill's one function is named after the skill)");
                results.Add(SkillCallStatus.Failed);
                continue;
            }

            // Rendering needs no model: a template that cannot render with the test's arguments fails here.
            string rendered;
            try
            {
                rendered = await build.Template!.RenderAsync(kernel ?? new Kernel(), Arguments(test), cancellationToken);
            }
            catch (KernelException exception)
            {
                await output.WriteLineAsync($"FAIL {label}: the template does not render: {exception.Message}");
                results.Add(SkillCallStatus.Failed);
                continue;
            }

            if (kernel is null)
            {
                await output.WriteLineAsync($"SKIP {label}: prompt skills need a model to test; pass --model-endpoint (the prompt rendered, {rendered.Length} characters)");
                skipped++;
                continue;
            }

            results.Add(await ReportAsync(label, test.Expect, await InvokePromptAsync(kernel, build.Function, Arguments(test), cancellationToken)));
        }

        return await SummarizeAsync(results, skipped);
    }

    private async Task<SkillCallOutcome> InvokePromptAsync(Kernel kernel, KernelFunction function, KernelArguments arguments, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Limits.Timeout);
        try
        {
            var result = await function.InvokeAsync(kernel, arguments, timeout.Token);
            return new SkillCallOutcome(SkillCallStatus.Completed, result.ToString(), null, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new SkillCallOutcome(SkillCallStatus.Stopped, null, $"skill call stopped: the model did not answer within {options.Limits.Timeout.TotalMilliseconds:0} ms", SkillStopReason.Timeout);
        }
        catch (Exception exception) when (exception is HttpRequestException or KernelException)
        {
            return new SkillCallOutcome(SkillCallStatus.Failed, null, $"{exception.GetType().Name}: {exception.Message}", null);
        }
    }

    private Kernel? ModelKernel()
    {
        if (options.ModelEndpoint is null)
        {
            return null;
        }

        // Local OpenAI-compatible servers (Ollama, vLLM) accept any key; the connector insists on one.
        var apiKey = Environment.GetEnvironmentVariable(options.ApiKeyVariable) is { Length: > 0 } key ? key : "unused";
#pragma warning disable SKEXP0010 // Custom endpoints are the point: any OpenAI-compatible server.
        return Kernel.CreateBuilder().AddOpenAIChatCompletion(options.Model, options.ModelEndpoint, apiKey).Build();
#pragma warning restore SKEXP0010
    }

    private async Task<SkillCallStatus> ReportAsync(string label, SkillExpectation expect, SkillCallOutcome outcome)
    {
        var verdict = SkillTestJudge.Judge(new SkillTestCaseDefinition(label, "", new Dictionary<string, string?>(), new SkillTestExpectation(expect.EqualTo, expect.Contains, expect.Matches)), outcome);
        switch (verdict.Verdict)
        {
            case SkillTestVerdict.Stopped:
                await output.WriteLineAsync($"STOP {label}: {verdict.Message}");
                return SkillCallStatus.Stopped;
            case SkillTestVerdict.Failed:
                await output.WriteLineAsync($"FAIL {label}: {verdict.Message}");
                return SkillCallStatus.Failed;
            default:
                await output.WriteLineAsync($"PASS {label}");
                return SkillCallStatus.Completed;
        }
    }

    private async Task<int> SummarizeAsync(List<SkillCallStatus> results, int skipped)
    {
        var passed = results.Count(r => r == SkillCallStatus.Completed);
        var failed = results.Count(r => r == SkillCallStatus.Failed);
        var stopped = results.Count(r => r == SkillCallStatus.Stopped);
        await output.WriteLineAsync($"{passed} passed, {failed} failed, {stopped} stopped, {skipped} skipped");
        return stopped > 0 ? SkillTestExitCode.Stopped : failed > 0 ? SkillTestExitCode.Failed : SkillTestExitCode.Passed;
    }

    private int Reject(string file, IEnumerable<ManifestDiagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            output.WriteLine(diagnostic.Format(file));
        }

        return SkillTestExitCode.Rejected;
    }

    private static ManifestDiagnostic InFile(SkillManifest manifest, string field, MetaEvolve.Core.Skills.SkillDiagnostic diagnostic)
    {
        var (line, column) = manifest.Yaml.PositionInside(field, diagnostic.Line, diagnostic.Column);
        return new ManifestDiagnostic(line, column, diagnostic.Code, diagnostic.Message);
    }

    private static KernelArguments Arguments(SkillTestCase test)
    {
        var arguments = new KernelArguments();
        foreach (var (key, value) in test.Arguments ?? new Dictionary<string, string>())
        {
            arguments[key] = value;
        }

        return arguments;
    }

}
