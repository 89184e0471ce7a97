using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Authentication;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// A pod's ServiceAccount credentials, as the kubelet projects them: unless
/// <c>automountServiceAccountToken</c> is false (on the pod, else on the ServiceAccount), the pod gets a token
/// the control plane issued for <c>system:serviceaccount:&lt;ns&gt;:&lt;sa&gt;</c>, in the usual
/// <c>serviceaccount/{token,namespace,ca.crt}</c> files and in a kubeconfig pointing at the control plane. Processes
/// here cannot reach the API as in a cluster (no KUBERNETES_SERVICE_HOST, no mount at
/// /var/run/secrets/kubernetes.io/serviceaccount), so the runner passes the kubeconfig as KUBECONFIG, which
/// kubectl, client-go and KubernetesClient's BuildDefaultConfig all honour.
/// </summary>
public sealed class ServiceAccountCredentials(ClusterCredentials credentials, Func<Uri> server)
{
    /// <summary>Where a container finds the token files on a real node; env paths under it are rewritten too.</summary>
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>Writes the pod's credentials under <paramref name="directory"/>; null when the pod opts out.</summary>
    public PodCredentials? Write(ObjectStore store, JsonObject pod, string directory)
    {
        var ns = ObjectMeta.Namespace(pod);
        var spec = pod["spec"];
        var account = (string?)spec?["serviceAccountName"] ?? (string?)spec?["serviceAccount"] ?? "default";
        var automount = spec?["automountServiceAccountToken"]?.GetValue<bool>()
            ?? store.Get(new ObjectKey(new("", "serviceaccounts"), ns, account))?["automountServiceAccountToken"]?.GetValue<bool>()
            ?? true;
        if (!automount)
        {
            return null;
        }

        var token = credentials.ServiceAccounts.Issue(ns, account);
        var files = Path.Combine(directory, "serviceaccount");
        Directory.CreateDirectory(files);
        File.WriteAllText(Path.Combine(files, "token"), token);
        File.WriteAllText(Path.Combine(files, "namespace"), ns);
        File.WriteAllText(Path.Combine(files, "ca.crt"), credentials.Authority.CertificatePem);
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        Kubeconfig.Write(kubeconfig, Kubeconfig.Render(server(), credentials.Authority.CertificatePem, ServiceAccountTokens.UserName(ns, account), token, ns));
        return new PodCredentials(token, kubeconfig, files);
    }

    public void Revoke(PodCredentials pod) => credentials.ServiceAccounts.Revoke(pod.Token);
}

/// <summary>What <see cref="ServiceAccountCredentials"/> wrote for one pod.</summary>
public sealed record PodCredentials(string Token, string KubeconfigPath, string TokenDirectory);
