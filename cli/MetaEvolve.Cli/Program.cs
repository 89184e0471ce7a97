<<<<<<< HEAD
using MetaEvolve.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
return await MetaEvolveCommand.RunAsync(args, Console.Out, Console.Error, cancellation.Token);
=======
using System.CommandLine;
using MetaEvolve.Cli.Dev;

var root = new RootCommand("MetaEvolve: AI agents as Kubernetes workloads.");
root.Subcommands.Add(DevCommands.Create());

// SIGINT/SIGTERM cancel the running command's token; it gets up to 20 s to stop what it started.
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
return await root.Parse(args).InvokeAsync(configuration);
>>>>>>> devcluster
