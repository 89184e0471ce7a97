using k8s.Models;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Skills;

namespace MetaEvolve.Operator.Tests.Skills;

public sealed class SkillValidationTests : IAsyncDisposable
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly SkillHostPool _hosts = new(new SkillHostOptions { MaxHosts = 2 });
    private SkillValidator Validator => new(new CSharpSkillCompiler(), _hosts);

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();

    private static V1Alpha1Skill CSharp(string source) => new()
    {
        Metadata = new V1ObjectMeta { Name = "text-stats", NamespaceProperty = "default", Generation = 2 },
        Spec = new V1Alpha1SkillSpec { Type = SkillType.CSharp, Version = "1.0.0", CSharp = new CSharpSkill { Source = source } },
    };

    private const string Valid = """
        public sealed class TextStats
        {
            [KernelFunction, Description("Counts words.")]
            public int WordCount(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        }
        """;

    [Fact]
    public async Task Valid_csharp_compiles_with_the_shared_compiler_and_lists_its_functions()
    {
        var skill = CSharp(Valid);
        var validation = await Validator.ValidateAsync(skill, SkillSpecDigest.Compute(skill.Spec), TestContext.Current.CancellationToken);

        Assert.True(validation.Succeeded);
        Assert.NotNull(validation.Assembly);
        Assert.Equal("WordCount", Assert.Single(validation.Functions).Name);
    }

    [Fact]
    public async Task Code_outside_the_sandbox_is_a_policy_violation_with_a_position()
    {
        var skill = CSharp("""
            public sealed class Bad
            {
                [KernelFunction]
                public string Read(string path) => System.IO.File.ReadAllText(path);
            }
            """);
        var validation = await Validator.ValidateAsync(skill, SkillSpecDigest.Compute(skill.Spec), TestContext.Current.CancellationToken);

        Assert.Equal(ConditionReasons.PolicyViolation, validation.Reason);
        Assert.Contains(validation.Diagnostics, d => d.Line == 4);
    }

    [Fact]
    public async Task Declared_tests_run_in_a_skill_host_and_a_wrong_result_or_a_stop_is_TestsFailed()
    {
        var skill = CSharp(Valid + "\npublic sealed class Spin { [KernelFunction] public string Forever() { while (true) { } } }");
        skill.Spec.Tests =
        [
            new SkillTestCase { Name = "counts", Function = "WordCount", Arguments = new Dictionary<string, string> { ["text"] = "a b c" }, Expect = new SkillExpectation { EqualTo = "3" } },
            new SkillTestCase { Name = "wrong", Function = "WordCount", Arguments = new Dictionary<string, string> { ["text"] = "a b" }, Expect = new SkillExpectation { EqualTo = "3" } },
            new SkillTestCase { Name = "spins", Function = "Forever", Expect = new SkillExpectation { EqualTo = "" } },
        ];

        var validation = await Validator.ValidateAsync(skill, SkillSpecDigest.Compute(skill.Spec), TestContext.Current.CancellationToken);

        Assert.Equal(ConditionReasons.TestsFailed, validation.Reason);
        Assert.Null(validation.Assembly);
        Assert.Collection(validation.Diagnostics,
            d => Assert.Equal("test 'wrong' failed: expected result that equals \"3\", got \"2\"", d.Message),
            // Stopped by its time limit either way: by the host's own budget, or (on a busy machine, when the host does
            // not answer within the kill grace) by the pool's deadline kill.
            d => Assert.Matches(@"^test 'spins' stopped: skill call stopped: (timeout \()?time limit of 10000 ms exceeded", d.Message));
    }

    [Fact]
    public async Task Passing_declared_tests_publish()
    {
        var skill = CSharp(Valid);
        skill.Spec.Tests = [new SkillTestCase { Function = "WordCount", Arguments = new Dictionary<string, string> { ["text"] = "a b" }, Expect = new SkillExpectation { EqualTo = "2" } }];

        var validation = await Validator.ValidateAsync(skill, SkillSpecDigest.Compute(skill.Spec), TestContext.Current.CancellationToken);

        Assert.True(validation.Succeeded, string.Join("; ", validation.Diagnostics));
        Assert.NotNull(validation.Assembly);
    }

    [Fact]
    public async Task Code_that_does_not_compile_fails_compilation()
    {
        var skill = CSharp("public sealed class Broken { [KernelFunction] public int F() => undefined; }");
        var validation = await Validator.ValidateAsync(skill, SkillSpecDigest.Compute(skill.Spec), TestContext.Current.CancellationToken);

        Assert.Equal(ConditionReasons.CompilationFailed, validation.Reason);
        Assert.Contains(validation.Diagnostics, d => d.Code == "CS0103");
    }

    [Fact]
    public async Task A_prompt_template_that_parses_has_one_function_named_after_the_skill()
    {
        var skill = new V1Alpha1Skill
        {
            Metadata = new V1ObjectMeta { Name = "summarize-text" },
            Spec = new V1Alpha1SkillSpec
            {
                Type = SkillType.Prompt,
                Prompt = new PromptSkill { Template = "Summarize {{$input}}", InputVariables = [new PromptInputVariable { Name = "input" }] },
            },
        };
        var validation = await Validator.ValidateAsync(skill, "sha256:x", TestContext.Current.CancellationToken);

        Assert.True(validation.Succeeded);
        var function = Assert.Single(validation.Functions);
        Assert.Equal("summarize_text", function.Name);
        Assert.Equal(["input"], function.Parameters);
    }

    [Fact]
    public async Task A_broken_template_is_rejected_with_its_position()
    {
        var skill = new V1Alpha1Skill
        {
            Metadata = new V1ObjectMeta { Name = "summarize" },
            Spec = new V1Alpha1SkillSpec { Type = SkillType.Prompt, Prompt = new PromptSkill { Template = "line one\n  then {{ $input $sentences }} end" } },
        };
        var validation = await Validator.ValidateAsync(skill, "sha256:x", TestContext.Current.CancellationToken);

        Assert.Equal(ConditionReasons.TemplateInvalid, validation.Reason);
        Assert.Equal((2, 8), (validation.Diagnostics[0].Line, validation.Diagnostics[0].Column));
    }

    [Fact]
    public async Task A_rejected_edit_keeps_the_last_published_version_and_says_why()
    {
        var skill = CSharp(Valid);
        skill.Status = SkillStatusBuilder.Published(skill, "sha256:good", [new SkillFunctionInfo("WordCount", null, ["text"])], Now);
        skill.Spec.CSharp!.Source = "public sealed class Broken { [KernelFunction] public int F() => undefined; }";
        skill.Metadata.Generation = 3;
        var validation = await Validator.ValidateAsync(skill, "sha256:bad", TestContext.Current.CancellationToken);

        var status = SkillStatusBuilder.Rejected(skill, "sha256:bad", validation, Now);

        Assert.Equal("sha256:bad", status.Digest);
        Assert.Equal("sha256:good", status.PublishedDigest);
        Assert.Equal("WordCount", Assert.Single(status.Functions!).Name);
        Assert.False(Conditions.IsTrue(status.Conditions, ConditionTypes.Validated));
        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Published));
        Assert.False(Conditions.IsTrue(status.Conditions, ConditionTypes.Ready));
        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Stalled));
        Assert.Contains("CS0103", Conditions.Find(status.Conditions, ConditionTypes.Ready)!.Message, StringComparison.Ordinal);
        Assert.All(status.Diagnostics!, d => Assert.True(d.Line >= 1 && d.Column >= 1));
    }

    [Fact]
    public async Task The_digest_ignores_formatting_but_follows_content()
    {
        var a = CSharp(Valid);
        var b = CSharp(Valid);
        var c = CSharp(Valid + " ");

        Assert.Equal(SkillSpecDigest.Compute(a.Spec), SkillSpecDigest.Compute(b.Spec));
        Assert.NotEqual(SkillSpecDigest.Compute(a.Spec), SkillSpecDigest.Compute(c.Spec));
        Assert.StartsWith("sha256:", SkillSpecDigest.Compute(a.Spec), StringComparison.Ordinal);
    }
}
