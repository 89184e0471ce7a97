using MetaEvolve.Operator.Hosting;

// The MetaEvolve operator. Settings: Operator__* (see OperatorOptions), METAEVOLVE_NATS_URL, METAEVOLVE_POSTGRES,
// METAEVOLVE_REDIS (see ConnectionOptions), the kubeconfig or in-cluster service account, ASPNETCORE_URLS.
await OperatorHost.Build(args).RunAsync();
