using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.SkillHost;

// The skill host: started by a SkillHostPool with a clean environment, resource limits and a private working
// directory; loads one compiled skill and answers calls over stdin/stdout until the pool closes the channel.
if (args is not ["--work", var workDirectory])
{
    await Console.Error.WriteLineAsync("usage: MetaEvolve.SkillHost --work <directory>  (started by the skill host pool, not by hand)");
    return 2;
}

var input = Console.OpenStandardInput();
var output = Console.OpenStandardOutput();
// The channel is the only thing on stdout; anything else that writes to the console goes nowhere.
Console.SetOut(TextWriter.Null);
Console.SetIn(TextReader.Null);

NonDumpable.TryApply();
// Loads OpenSSL (and its configuration) while /etc is still readable: the load's digest check needs it.
_ = SkillAssembly.HashOf([]);
HostSession.WarmUp();
var confinement = Landlock.Confine(workDirectory);
if (confinement is not null)
{
    await Console.Error.WriteLineAsync($"skill host: Landlock not applied: {confinement}");
}

var session = new HostSession();
return session.Serve(input, output);
