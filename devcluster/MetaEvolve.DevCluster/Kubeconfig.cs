namespace MetaEvolve.DevCluster;

/// <summary>Writes a kubeconfig for a dev control plane: plain HTTP on loopback, a bearer token naming the user.</summary>
public static class Kubeconfig
{
    /// <param name="token">The bearer token; by default the user name itself, which the server records as the caller.</param>
    public static string Render(Uri server, string user, string ns = "default", string? token = null) => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: metaevolve-dev
          cluster:
            server: {{server.ToString().TrimEnd('/')}}
        users:
        - name: {{user}}
          user:
            token: {{token ?? user}}
        contexts:
        - name: metaevolve-dev
          context:
            cluster: metaevolve-dev
            user: {{user}}
            namespace: {{ns}}
        current-context: metaevolve-dev
        preferences: {}

        """;

    public static void Write(string path, Uri server, string user)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, Render(server, user));
    }
}
