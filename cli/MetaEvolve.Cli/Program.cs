using MetaEvolve.Cli;

// SIGINT/SIGTERM cancel the running command's token (System.CommandLine's process termination handling).
return await MetaEvolveCommand.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
