using System.Text;

namespace MetaEvolve.DevCluster;

/// <summary>Writes a kubeconfig for a dev control plane: HTTPS on loopback trusting its CA, a bearer token.</summary>
public static class Kubeconfig
{
    public static string Render(Uri server, string caPem, string user, string token, string ns = "default") => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: metaevolve-dev
          cluster:
            server: {{server.ToString().TrimEnd('/')}}
            certificate-authority-data: {{Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem))}}
        users:
        - name: {{user}}
          user:
            token: {{token}}
        contexts:
        - name: metaevolve-dev
          context:
            cluster: metaevolve-dev
            user: {{user}}
            namespace: {{ns}}
        current-context: metaevolve-dev
        preferences: {}

        """;

    /// <summary>Writes <paramref name="content"/> readable by its owner only: it holds a token.</summary>
    public static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Authentication.CertificateAuthority.WritePrivate(path, content);
    }
}
