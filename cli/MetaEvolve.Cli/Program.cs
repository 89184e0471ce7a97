using System.CommandLine;
using MetaEvolve.Cli.Dev;

var root = new RootCommand("MetaEvolve: AI agents as Kubernetes workloads.");
root.Subcommands.Add(DevCommands.Create());

// SIGINT/SIGTERM cancel the running command's token; it gets up to 20 s to stop what it started.
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
return await root.Parse(args).InvokeAsync(configuration);
