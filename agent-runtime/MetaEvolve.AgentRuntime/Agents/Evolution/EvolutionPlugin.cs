using MetaEvolve.Core.Skills.Evolution;
using Microsoft.SemanticKernel;

namespace MetaEvolve.AgentRuntime.Agents.Evolution;

/// <summary>
/// The built-in <c>evolution</c> plugin of an agent with <c>spec.evolution.enabled</c>: <c>ProposeSkill</c> and
/// <c>ListAuthoredSkills</c>, offered to the model as tools and callable directly like a skill function. Both answer
/// JSON text (see <see cref="ProposalResult"/>).
/// </summary>
public static class EvolutionPlugin
{
    public const string Name = "evolution";
    private const string TaskKey = "metaevolve.task-id";

    public static KernelPlugin Create(SkillProposer proposer, AgentDefinition agent) =>
        KernelPluginFactory.CreateFromFunctions(Name, "Author new skills for yourself.", [ProposeSkill(proposer, agent), ListAuthoredSkills(proposer, agent)]);

    /// <summary>Marks the kernel a task runs on, so the proposal row names the task.</summary>
    public static void AttachTask(Kernel kernel, Guid taskId)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        kernel.Data[TaskKey] = taskId;
    }

    private static Guid? TaskOf(Kernel kernel) => kernel.Data.TryGetValue(TaskKey, out var value) && value is Guid id ? id : null;

    private static KernelFunction ProposeSkill(SkillProposer proposer, AgentDefinition agent) => KernelFunctionFactory.CreateFromMethod(
        (Kernel kernel, KernelArguments arguments, CancellationToken cancellationToken) =>
            proposer.ProposeAsync(agent, TaskOf(kernel), HostedSkillPlugin.Text(arguments), cancellationToken),
        new KernelFunctionFromMethodOptions
        {
            FunctionName = "ProposeSkill",
            Description = "Proposes a new skill (or a new version of one you authored). The worker checks it (sandbox policy, compile, "
                + "your tests) and hands it to the operator, which publishes it or waits for a person to approve it. Answers JSON: "
                + "state Rejected with diagnostics to fix, Refused with a reason, or Accepted/PendingApproval/Published with the version.",
            Parameters =
            [
                Parameter("name", "Skill name: lowercase letters, digits and '-' (a DNS-1123 label).", required: true),
                Parameter("type", "CSharp or Prompt.", required: true),
                Parameter("description", "What the skill does; models read it when choosing a tool.", required: true),
                Parameter("version", "Version label such as 1.2.0; by default the next patch version of the skill."),
                Parameter("source", "For CSharp: C# source; public methods marked [KernelFunction] become the functions. Computation only: no I/O, network, reflection or threads."),
                Parameter("template", "For Prompt: a Semantic Kernel prompt template using {{$variable}}."),
                Parameter("inputVariables", "For Prompt: JSON array of {name, description?, default?, isRequired?}."),
                Parameter("tests", "JSON array (at least one) of {name?, function, arguments?: {parameter: text}, expect: {equals|contains|matches: text}}.", required: true),
            ],
            ReturnParameter = new KernelReturnParameterMetadata { Description = "The verdict as JSON.", ParameterType = typeof(string) },
        });

    private static KernelFunction ListAuthoredSkills(SkillProposer proposer, AgentDefinition agent) => KernelFunctionFactory.CreateFromMethod(
        (CancellationToken cancellationToken) => proposer.ListAuthoredAsync(agent, cancellationToken),
        new KernelFunctionFromMethodOptions
        {
            FunctionName = "ListAuthoredSkills",
            Description = "Lists the skills you authored: the latest proposal of each name with its state, and the version published, as JSON.",
            Parameters = [],
            ReturnParameter = new KernelReturnParameterMetadata { Description = "The skills as JSON.", ParameterType = typeof(string) },
        });

    private static KernelParameterMetadata Parameter(string name, string description, bool required = false) => new(name)
    {
        Description = description,
        IsRequired = required,
        ParameterType = typeof(string),
    };
}
