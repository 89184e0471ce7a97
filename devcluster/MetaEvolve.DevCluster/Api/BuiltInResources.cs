namespace MetaEvolve.DevCluster.Api;

/// <summary>
/// The built-in resources the operator and kubectl need. They are stored generically (no schema);
/// their printer columns mirror what a real API server shows. Columns whose path starts with '=' are
/// computed by <see cref="Http.TableConverter"/> because a JSONPath cannot express them.
/// </summary>
public static class BuiltInResources
{
    // Declared before All: static initializers run in textual order.
    private static readonly PrinterColumn Name = new("Name", "string", ".metadata.name",
        "Name must be unique within a namespace.", 0, "name");

    private static readonly PrinterColumn Age = new("Age", "date", ".metadata.creationTimestamp",
        "CreationTimestamp is a timestamp representing the server time when this object was created.");

    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Core("Namespace", "namespaces", namespaced: false, shortNames: ["ns"], hasStatus: true,
            columns: [new("Status", "string", ".status.phase", "The phase of the namespace"), Age]),
        Core("ConfigMap", "configmaps", shortNames: ["cm"],
            columns: [new("Data", "integer", "=dataCount", "Number of data keys"), Age]),
        Core("Secret", "secrets",
            columns: [new("Type", "string", ".type"), new("Data", "integer", "=dataCount", "Number of data keys"), Age]),
        Core("ServiceAccount", "serviceaccounts", shortNames: ["sa"], columns: [Age]),
        Core("Service", "services", shortNames: ["svc"], hasStatus: true, categories: ["all"],
            columns: [new("Type", "string", ".spec.type"), new("Cluster-IP", "string", ".spec.clusterIP"),
                new("Ports", "string", "=servicePorts"), Age]),
        Core("Endpoints", "endpoints", shortNames: ["ep"],
            columns: [new("Endpoints", "string", "=endpointAddresses", "Endpoints is the list of endpoints in this subset."), Age]),
        Core("Event", "events", shortNames: ["ev"],
            columns: [new("Last Seen", "date", ".lastTimestamp"), new("Type", "string", ".type"),
                new("Reason", "string", ".reason"), new("Object", "string", "=involvedObject"),
                new("Message", "string", ".message")]),
        Core("Pod", "pods", shortNames: ["po"], hasStatus: true, categories: ["all"],
            columns: [new("Ready", "string", "=podReady"), new("Status", "string", ".status.phase"),
                new("Restarts", "integer", "=podRestarts"), Age]),
        new ResourceType
        {
            Group = "coordination.k8s.io", Version = "v1", Kind = "Lease", Plural = "leases", Singular = "lease",
            Namespaced = true, Columns = [Name, new("Holder", "string", ".spec.holderIdentity"), Age],
        },
        new ResourceType
        {
            Group = "apps", Version = "v1", Kind = "Deployment", Plural = "deployments", Singular = "deployment",
            Namespaced = true, ShortNames = ["deploy"], Categories = ["all"], HasStatus = true, HasGeneration = true,
            Scale = new(".spec.replicas", ".status.replicas", ".spec.selector"),
            Columns = [Name, new("Ready", "string", "=deploymentReady"),
                new("Up-to-date", "integer", ".status.updatedReplicas"),
                new("Available", "integer", ".status.availableReplicas"), Age],
        },
        new ResourceType
        {
            Group = "autoscaling", Version = "v2", Kind = "HorizontalPodAutoscaler", Plural = "horizontalpodautoscalers",
            Singular = "horizontalpodautoscaler", Namespaced = true, ShortNames = ["hpa"], Categories = ["all"],
            HasStatus = true, HasGeneration = true,
            Columns = [Name, new("Reference", "string", "=scaleTargetRef"), new("MinPods", "integer", ".spec.minReplicas"),
                new("MaxPods", "integer", ".spec.maxReplicas"), new("Replicas", "integer", ".status.currentReplicas"), Age],
        },
        new ResourceType
        {
            Group = "apiextensions.k8s.io", Version = "v1", Kind = "CustomResourceDefinition",
            Plural = "customresourcedefinitions", Singular = "customresourcedefinition", Namespaced = false,
            ShortNames = ["crd", "crds"], Categories = ["api-extensions"], HasStatus = true, HasGeneration = true,
            Columns = [Name, new("Created At", "string", ".metadata.creationTimestamp")],
        },
        new ResourceType
        {
            Group = "apiregistration.k8s.io", Version = "v1", Kind = "APIService", Plural = "apiservices",
            Singular = "apiservice", Namespaced = false, Categories = ["api-extensions"], HasStatus = true,
            Columns = [Name, new("Service", "string", "=apiServiceService"),
                new("Available", "string", ".status.conditions[?(@.type==\"Available\")].status"), Age],
        },
        new ResourceType
        {
            Group = "policy", Version = "v1", Kind = "PodDisruptionBudget", Plural = "poddisruptionbudgets",
            Singular = "poddisruptionbudget", Namespaced = true, ShortNames = ["pdb"], HasStatus = true, HasGeneration = true,
            Columns = [Name, new("Min Available", "string", "=pdbMinAvailable", "The minimum number of pods that must be available."),
                new("Max Unavailable", "string", "=pdbMaxUnavailable", "The maximum number of pods that may be unavailable."),
                new("Allowed Disruptions", "integer", "=pdbAllowedDisruptions", "Number of pod disruptions that are currently allowed."), Age],
        },
        new ResourceType
        {
            Group = "networking.k8s.io", Version = "v1", Kind = "Ingress", Plural = "ingresses", Singular = "ingress",
            Namespaced = true, ShortNames = ["ing"], HasStatus = true, HasGeneration = true,
            Columns = [Name, new("Class", "string", "=ingressClass", "The name of the IngressClass resource that should be used for this Ingress."),
                new("Hosts", "string", "=ingressHosts", "Hosts that incoming requests are matched against before the Ingress rule."),
                new("Address", "string", "=ingressAddress", "Address is a list containing ingress points for the load-balancer."),
                new("Ports", "string", "=ingressPorts", "Ports of TLS configurations that open."), Age],
        },
        new ResourceType
        {
            Group = "networking.k8s.io", Version = "v1", Kind = "IngressClass", Plural = "ingressclasses", Singular = "ingressclass",
            Namespaced = false, HasGeneration = true,
            Columns = [Name, new("Controller", "string", ".spec.controller", "Controller that is in charge of handling this class."),
                new("Parameters", "string", "=ingressClassParameters", "A reference to a resource with additional parameters."), Age],
        },
        Rbac("ClusterRole", "clusterroles", namespaced: false, columns: [Name, new("Created At", "string", ".metadata.creationTimestamp")]),
        Rbac("Role", "roles", namespaced: true, columns: [Name, new("Created At", "string", ".metadata.creationTimestamp")]),
        Rbac("ClusterRoleBinding", "clusterrolebindings", namespaced: false, columns: [Name, new("Role", "string", "=roleRef"), Age]),
        Rbac("RoleBinding", "rolebindings", namespaced: true, columns: [Name, new("Role", "string", "=roleRef"), Age]),
        // Answered by Authorization.SubjectAccessReviews from the RBAC objects above, never stored.
        new ResourceType
        {
            Group = "authorization.k8s.io", Version = "v1", Kind = "SubjectAccessReview", Plural = "subjectaccessreviews",
            Singular = "subjectaccessreview", Namespaced = false, Verbs = ["create"], Columns = [Name],
        },
        // Answered by Authentication.SelfSubjectReviews from the caller's identity, never stored.
        new ResourceType
        {
            Group = "authentication.k8s.io", Version = "v1", Kind = "SelfSubjectReview", Plural = "selfsubjectreviews",
            Singular = "selfsubjectreview", Namespaced = false, Verbs = ["create"], Columns = [Name],
        },
    ];

    private static ResourceType Core(string kind, string plural, bool namespaced = true, IReadOnlyList<string>? shortNames = null,
        bool hasStatus = false, IReadOnlyList<string>? categories = null, IReadOnlyList<PrinterColumn>? columns = null)
    {
        return new ResourceType
        {
            Group = "",
            Version = "v1",
            Kind = kind,
            Plural = plural,
            Singular = kind.ToLowerInvariant(),
            Namespaced = namespaced,
            ShortNames = shortNames ?? [],
            Categories = categories ?? [],
            HasStatus = hasStatus,
            Columns = [Name, .. columns ?? []],
        };
    }

    private static ResourceType Rbac(string kind, string plural, bool namespaced, IReadOnlyList<PrinterColumn> columns) => new()
    {
        Group = "rbac.authorization.k8s.io",
        Version = "v1",
        Kind = kind,
        Plural = plural,
        Singular = kind.ToLowerInvariant(),
        Namespaced = namespaced,
        Columns = columns,
    };
}
