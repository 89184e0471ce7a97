using k8s.Exceptions;

namespace MetaEvolve.Cli.Tests;

/// <summary>
/// The skill commands that talk to the API server find the kubeconfig as kubectl does, so
/// <c>export KUBECONFIG=…</c> (the README's demo) reaches the same cluster as kubectl, never ~/.kube/config behind it.
/// </summary>
public sealed class KubeconfigCommandTests
{
    private static string WriteKubeconfig(string server, string ns)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("metaevolve-kubeconfig-").FullName, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: {server}
            users:
            - name: u
              user:
                token: t
            contexts:
            - name: x
              context:
                cluster: c
                user: u
                namespace: {ns}
            current-context: x
            """);
        return path;
    }

    [Fact]
    public void Without_the_flag_the_files_KUBECONFIG_lists_are_used()
    {
        var config = KubeconfigCommand.Configuration(null, WriteKubeconfig("https://127.0.0.1:6001", "from-variable"));

        Assert.Equal("https://127.0.0.1:6001/", new Uri(config.Host).ToString());
        Assert.Equal("from-variable", config.Namespace);
    }

    [Fact]
    public void The_flag_wins_over_KUBECONFIG()
    {
        var config = KubeconfigCommand.Configuration(WriteKubeconfig("https://127.0.0.1:6002", "from-flag"), WriteKubeconfig("https://127.0.0.1:6001", "from-variable"));

        Assert.Equal("from-flag", config.Namespace);
    }

    [Fact]
    public void A_KUBECONFIG_naming_no_existing_file_is_refused_with_the_variable_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"metaevolve-missing-{Guid.NewGuid():N}");

        var error = Assert.Throws<KubeConfigException>(() => KubeconfigCommand.Configuration(null, missing));

        Assert.Contains("$KUBECONFIG", error.Message, StringComparison.Ordinal);
    }
}
