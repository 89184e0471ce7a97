using System.ComponentModel;
using System.Reflection;
using k8s.Models;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds.Generation;

/// <summary>Builds the CustomResourceDefinition of a resource class from its type and attributes.</summary>
public sealed class CrdGenerator(UpstreamDocumentation upstream)
{
    // The texts controller-gen writes for the fields every resource has.
    private const string ApiVersionDescription =
        "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";

    private const string KindDescription =
        "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

    private const string MetadataDescription =
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    public V1CustomResourceDefinition Generate(Type resource)
    {
        var entity = resource.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{resource.Name} has no [KubernetesEntity].");
        var singular = entity.Kind.ToLowerInvariant();

        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta
            {
                Name = $"{entity.PluralName}.{entity.Group}",
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "metaevolve" },
            },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = entity.Group,
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = entity.Kind,
                    ListKind = entity.Kind + "List",
                    Plural = entity.PluralName,
                    Singular = singular,
                    ShortNames = resource.GetCustomAttribute<ShortNamesAttribute>()?.Names.ToList(),
                    Categories = resource.GetCustomAttribute<CategoriesAttribute>()?.Names.ToList(),
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = entity.ApiVersion,
                        Served = true,
                        Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = RootSchema(resource) },
                        Subresources = Subresources(resource),
                        AdditionalPrinterColumns = PrinterColumns(resource),
                    },
                ],
            },
        };
    }

    private V1JSONSchemaProps RootSchema(Type resource)
    {
        var root = new SchemaGenerator(upstream).ForObject(resource);
        root.Description = resource.GetCustomAttribute<DescriptionAttribute>()?.Description
            ?? throw new InvalidOperationException($"{resource.Name} has no [Description].");
        root.Properties["apiVersion"] = new V1JSONSchemaProps { Type = "string", Description = ApiVersionDescription };
        root.Properties["kind"] = new V1JSONSchemaProps { Type = "string", Description = KindDescription };
        // The API server owns metadata's schema; a CRD may only say it is an object.
        root.Properties["metadata"] = new V1JSONSchemaProps { Type = "object", Description = MetadataDescription };
        return root;
    }

    private static V1CustomResourceSubresources Subresources(Type resource)
    {
        var scale = resource.GetCustomAttribute<ScaleSubresourceAttribute>();
        return new V1CustomResourceSubresources
        {
            Status = new Dictionary<string, object>(),
            Scale = scale is null
                ? null
                : new V1CustomResourceSubresourceScale
                {
                    SpecReplicasPath = scale.SpecReplicasPath,
                    StatusReplicasPath = scale.StatusReplicasPath,
                    LabelSelectorPath = scale.LabelSelectorPath,
                },
        };
    }

    private static List<V1CustomResourceColumnDefinition> PrinterColumns(Type resource) =>
        resource.GetCustomAttributes<PrinterColumnAttribute>()
            .OrderBy(c => c.Order)
            .Select(c => new V1CustomResourceColumnDefinition
            {
                Name = c.Name,
                Type = c.Type,
                JsonPath = c.JsonPath,
                Description = c.Description,
                Priority = c.Priority == 0 ? null : c.Priority,
            })
            .ToList();
}
