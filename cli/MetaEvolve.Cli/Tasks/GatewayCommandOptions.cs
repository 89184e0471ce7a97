using System.CommandLine;

namespace MetaEvolve.Cli.Tasks;

/// <summary>The options every gateway command takes: where the gateway is, the key, the namespace and the output format.</summary>
internal sealed class GatewayCommandOptions
{
    public Option<string?> Url { get; } = new("--gateway-url") { Description = $"Gateway base URL (default: ${GatewaySettings.UrlVariable} or the config file)." };
    public Option<string?> Key { get; } = new("--api-key") { Description = $"API key (default: ${GatewaySettings.KeyVariable} or the config file)." };
    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "Namespace of the agent (default: the config file's, else 'default')." };
    public Option<string> Output { get; }

    public GatewayCommandOptions()
        : this("text")
    {
    }

    /// <param name="readableFormat">The default format's name: <c>text</c> for the task commands, <c>table</c> for listings.</param>
    public GatewayCommandOptions(string readableFormat)
    {
        Output = new("--output", "-o") { Description = $"Output format: {readableFormat} or json.", DefaultValueFactory = _ => readableFormat };
        Output.AcceptOnlyFromAmong(readableFormat, "json");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Url);
        command.Options.Add(Key);
        command.Options.Add(Namespace);
        command.Options.Add(Output);
    }

    public GatewaySettings Resolve(ParseResult parse) => GatewaySettings.Resolve(
        parse.GetValue(Url), parse.GetValue(Key), parse.GetValue(Namespace), Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory());

    public bool Json(ParseResult parse) => parse.GetValue(Output) == "json";
}
