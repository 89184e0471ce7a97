using k8s.Models;
using MetaEvolve.Core.Skills;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Skills;

namespace MetaEvolve.Operator.Tests.Skills;

public class SkillValidationTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly SkillValidator Validator = new(new CSharpSkillCompiler());

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
    public void Valid_csharp_compiles_with_the_shared_compiler_and_lists_its_functions()
    {
        var skill = CSharp(Valid);
        var validation = Validator.Validate(skill, SkillSpecDigest.Compute(skill.Spec), TestContext.Current.CancellationToken);

        Assert.True(validation.Succeeded);
        Assert.NotNull(validation.Assembly);
        Assert.Equal("WordCount", Assert.Single(validation.Functions).Name);
    }

    [Fact]
    public void Code_outside_the_sandbox_is_a_policy_violation_with_a_position()
    {
        var skill = CSharp("""
            public sealed class Bad
            {
                [KernelFunction]
                public string Read(string path) => System.IO.File.ReadAllText(path);
            }
            """);
        var validation = Validator.Validate(skill, SkillSpecDigest.Compute(skill.Spec), TestContext.Current.CancellationToken);

        Assert.Equal(ConditionReasons.PolicyViolation, validation.Reason);
        Assert.Contains(validation.Diagnostics, d => d.Line == 4);
    }

    [Fact]
    public void Code_that_does_not_compile_fails_compilation()
    {
        var skill = CSharp("public sealed class Broken { [KernelFunction] public int F() => undefined; }");
        var validation = Validator.Validate(skill, SkillSpecDigest.Compute(skill.Spec), TestContext.Current.CancellationToken);

        Assert.Equal(ConditionReasons.CompilationFailed, validation.Reason);
        Assert.Contains(validation.Diagnostics, d => d.Code == "CS0103");
    }

    [Fact]
    public void A_prompt_template_that_parses_has_one_function_named_after_the_skill()
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
        var validation = Validator.Validate(skill, "sha256:x", TestContext.Current.CancellationToken);

        Assert.True(validation.Succeeded);
        var function = Assert.Single(validation.Functions);
        Assert.Equal("summarize_text", function.Name);
        Assert.Equal(["input"], function.Parameters);
    }

    [Fact]
    public void A_broken_template_is_rejected_with_its_position()
    {
        var skill = new V1Alpha1Skill
        {
            Metadata = new V1ObjectMeta { Name = "summarize" },
            Spec = new V1Alpha1SkillSpec { Type = SkillType.Prompt, Prompt = new PromptSkill { Template = "line one\n  then {{ $input $sentences }} end" } },
        };
        var validation = Validator.Validate(skill, "sha256:x", TestContext.Current.CancellationToken);

        Assert.Equal(ConditionReasons.TemplateInvalid, validation.Reason);
        Assert.Equal((2, 8), (validation.Diagnostics[0].Line, validation.Diagnostics[0].Column));
    }

    [Fact]
    public void A_rejected_edit_keeps_the_last_published_version_and_says_why()
    {
        var skill = CSharp(Valid);
        skill.Status = SkillStatusBuilder.Published(skill, "sha256:good", [new SkillFunctionInfo("WordCount", null, ["text"])], Now);
        skill.Spec.CSharp!.Source = "public sealed class Broken { [KernelFunction] public int F() => undefined; }";
        skill.Metadata.Generation = 3;
        var validation = Validator.Validate(skill, "sha256:bad", TestContext.Current.CancellationToken);

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
    public void The_digest_ignores_formatting_but_follows_content()
    {
        var a = CSharp(Valid);
        var b = CSharp(Valid);
        var c = CSharp(Valid + " ");

        Assert.Equal(SkillSpecDigest.Compute(a.Spec), SkillSpecDigest.Compute(b.Spec));
        Assert.NotEqual(SkillSpecDigest.Compute(a.Spec), SkillSpecDigest.Compute(c.Spec));
        Assert.StartsWith("sha256:", SkillSpecDigest.Compute(a.Spec), StringComparison.Ordinal);
    }
}
