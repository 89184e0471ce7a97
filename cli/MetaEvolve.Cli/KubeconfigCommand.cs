using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using MetaEvolve.Cli.Tasks;
using MetaEvolve.Crds;

namespace MetaEvolve.Cli;

/// <summary>
/// What the <c>skill</c> commands that talk to the API server share: the kubeconfig and namespace options, reading a
/// Skill, and the exit codes — 0 done, 2 refused (a 4xx answer, a bad kubeconfig), 3 the API server is unavailable.
/// Kubernetes RBAC decides what the caller may do.
/// </summary>
internal static class KubeconfigCommand
{
    public const string KubeconfigVariable = "KUBECONFIG";

    public delegate Task<int> Action(Kubernetes client, string ns, ParseResult parse, CancellationToken cancellationToken);

    /// <summary>A command with <c>--namespace</c> and <c>--kubeconfig</c> whose action runs with a client for that kubeconfig.</summary>
    public static Command Create(string name, string description, TextWriter error, Action action, params Symbol[] symbols)
    {
        var ns = new Option<string?>("--namespace", "-n") { Description = "The Skill's namespace (default: the kubeconfig context's)." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)." };
        var command = new Command(name, description + "\nExit codes: 0 done, 2 refused (not found, forbidden, nothing to do), 3 the API server is unavailable.");
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        command.Options.Add(ns);
        command.Options.Add(kubeconfig);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var config = Configuration(parse.GetValue(kubeconfig), Environment.GetEnvironmentVariable(KubeconfigVariable));
                using var client = new Kubernetes(config);
                return await action(client, parse.GetValue(ns) ?? config.Namespace ?? "default", parse, cancellationToken);
            }
            catch (KubeConfigException exception)
            {
                await error.WriteLineAsync($"error: kubeconfig: {exception.Message}");
                return TaskExitCode.Refused;
            }
            catch (HttpOperationException exception) when ((int)exception.Response.StatusCode is >= 400 and < 500)
            {
                await error.WriteLineAsync($"error: {(int)exception.Response.StatusCode} {StatusMessage(exception)}");
                return TaskExitCode.Refused;
            }
            catch (Exception exception) when (exception is HttpOperationException or HttpRequestException or TaskCanceledException)
            {
                await error.WriteLineAsync($"error: the API server is unavailable: {exception.Message}");
                return TaskExitCode.Unavailable;
            }
        });
        return command;
    }

    /// <summary>
    /// The client configuration from <c>--kubeconfig</c>, else <c>$KUBECONFIG</c> (its first file that exists: kubectl
    /// merges a list, where that file's context wins too), else <c>~/.kube/config</c>. Never in-cluster or localhost: a
    /// command that approves or rolls back must act on the cluster the user means, or refuse.
    /// </summary>
    public static KubernetesClientConfiguration Configuration(string? flag, string? kubeconfigVariable)
    {
        if (flag is not null || string.IsNullOrWhiteSpace(kubeconfigVariable))
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(flag);
        }

        var file = kubeconfigVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(File.Exists)
            ?? throw new KubeConfigException($"none of the files in ${KubeconfigVariable} ({kubeconfigVariable}) exists");
        return KubernetesClientConfiguration.BuildConfigFromConfigFile(file);
    }

    public static async Task<V1Alpha1Skill> ReadSkillAsync(Kubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        var found = await client.CustomObjects.GetNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, V1Alpha1Skill.KubePlural, name, cancellationToken);
        return KubernetesJson.Deserialize<V1Alpha1Skill>(((JsonElement)found).GetRawText());
    }

    /// <summary>Reads the Skill every 200 ms until <paramref name="done"/> says the operator acted on it.</summary>
    public static async Task<V1Alpha1Skill> WaitForSkillAsync(Kubernetes client, string ns, string name, Func<V1Alpha1Skill, bool> done, CancellationToken cancellationToken)
    {
        while (true)
        {
            var skill = await ReadSkillAsync(client, ns, name, cancellationToken);
            if (done(skill))
            {
                return skill;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    /// <summary>The caller's user name, or null from an API server that does not serve SelfSubjectReviews (before 1.28).</summary>
    public static async Task<string?> WhoAmIAsync(Kubernetes client, CancellationToken cancellationToken)
    {
        try
        {
            var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new k8s.Models.V1SelfSubjectReview(), cancellationToken: cancellationToken);
            return review.Status?.UserInfo?.Username;
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static string StatusMessage(HttpOperationException exception)
    {
        try
        {
            return (string?)JsonNode.Parse(exception.Response.Content)?["message"] ?? exception.Message;
        }
        catch (JsonException)
        {
            return exception.Message;
        }
    }
}
