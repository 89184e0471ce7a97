namespace MetaEvolve.DevCluster.Semantics;

/// <summary>The finalizers the API server itself sets and resolves.</summary>
public static class Finalizers
{
    public const string Foreground = "foregroundDeletion";
    public const string Orphan = "orphan";
    public const string CrdCleanup = "customresourcecleanup.apiextensions.k8s.io";

    /// <summary>Namespaces carry this in <c>spec.finalizers</c> until their contents are gone.</summary>
    public const string Namespace = "kubernetes";
}
