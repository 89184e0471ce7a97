using MetaEvolve.Core.Packaging;
using MetaEvolve.Operator.Hosting;

// The MetaEvolve operator. Settings: Operator__* (see OperatorOptions), METAEVOLVE_NATS_URL, METAEVOLVE_POSTGRES,
// METAEVOLVE_REDIS (see ConnectionOptions), the kubeconfig or in-cluster service account, ASPNETCORE_URLS.
if (ProductVersion.TryPrint(args, ContainerImages.Operator, Console.Out))
{
    return;
}

await OperatorHost.Build(args).RunAsync();
