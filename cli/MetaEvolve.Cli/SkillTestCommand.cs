using System.CommandLine;
using MetaEvolve.Core.Skills.Sandbox;

namespace MetaEvolve.Cli;

/// <summary><c>metaevolve skill test &lt;file.yaml&gt;</c>.</summary>
internal static class SkillTestCommand
{
    public static Command Create(TextWriter output)
    {
        var file = new Argument<FileInfo>("file") { Description = "Skill manifest (YAML) whose tests to run." };
        var timeout = new Option<int>("--timeout-ms")
        {
            Description = "Time limit of each test call, in milliseconds.",
            DefaultValueFactory = _ => (int)SkillLimits.Default.Timeout.TotalMilliseconds,
        };
        var maxMemory = new Option<int>("--max-alloc-mb")
        {
            Description = "Memory each test call may allocate, in MB.",
            DefaultValueFactory = _ => (int)(SkillLimits.Default.MaxAllocatedBytes / (1024 * 1024)),
        };
        var endpoint = new Option<string?>("--model-endpoint")
        {
            Description = "OpenAI-compatible endpoint (e.g. http://localhost:11434/v1) for prompt-skill tests; without it they are skipped.",
        };
        var model = new Option<string>("--model") { Description = "Model id for prompt-skill tests.", DefaultValueFactory = _ => "gpt-4o-mini" };
        var apiKeyVariable = new Option<string>("--api-key-env")
        {
            Description = "Environment variable holding the model's API key.",
            DefaultValueFactory = _ => "OPENAI_API_KEY",
        };

        var command = new Command("test", "Validate a Skill manifest, compile it in the sandbox and run its tests.\nExit codes: 0 all passed, 1 a test failed, 2 rejected (schema, template, policy, compilation), 3 a test was stopped by a limit.")
        {
            file, timeout, maxMemory, endpoint, model, apiKeyVariable,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await output.WriteLineAsync($"{path}: error IO: file not found");
                return SkillTestExitCode.Rejected;
            }

            var limits = SkillLimits.Default with
            {
                Timeout = TimeSpan.FromMilliseconds(parse.GetValue(timeout)),
                MaxAllocatedBytes = parse.GetValue(maxMemory) * 1024L * 1024,
            };
            Uri? modelEndpoint = null;
            if (parse.GetValue(endpoint) is { } endpointText && !Uri.TryCreate(endpointText, UriKind.Absolute, out modelEndpoint))
            {
                await output.WriteLineAsync($"error: --model-endpoint '{endpointText}' is not an absolute URL");
                return SkillTestExitCode.Rejected;
            }

            var options = new SkillTestOptions(limits, modelEndpoint, parse.GetValue(model)!, parse.GetValue(apiKeyVariable)!);
            var text = await File.ReadAllTextAsync(path.FullName, cancellationToken);
            return await new SkillTestRunner(output, options).RunAsync(parse.GetValue(file)!.ToString(), text, cancellationToken);
        });
        return command;
    }
}
