using MetaEvolve.Core.Skills;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Tests.Skills;

public sealed class PromptSkillTests
{
    private static PromptSkillDefinition Definition(string template) =>
        new("summarize", "Summarizes", template, "SemanticKernel",
            [new PromptSkillVariable("input", "text", null, true), new PromptSkillVariable("sentences", null, "2", false)],
            new PromptSkillSettings(0.2, null, 400, ["END"]));

    [Fact]
    public async Task A_prompt_skill_becomes_a_function_whose_template_renders()
    {
        var build = PromptSkillFactory.Build(Definition("Summarize in {{$sentences}} sentences:\n{{$input}}"));

        Assert.True(build.Succeeded);
        Assert.Equal("summarize", build.Function!.Name);
        Assert.Equal(["input", "sentences"], build.Function.Metadata.Parameters.Select(p => p.Name));
        var rendered = await build.Template!.RenderAsync(new Kernel(), new KernelArguments { ["input"] = "abc", ["sentences"] = "1" }, TestContext.Current.CancellationToken);
        Assert.Equal("Summarize in 1 sentences:\nabc", rendered);
        Assert.Equal(400, Convert.ToInt32(build.Function.ExecutionSettings!.Values.Single().ExtensionData!["max_tokens"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_bad_block_is_reported_at_its_line_and_column()
    {
        var build = PromptSkillFactory.Build(Definition("First line {{$input}}\n  then {{ $input $sentences }} end"));

        var diagnostic = Assert.Single(build.Diagnostics);
        Assert.Equal((SkillDiagnosticCodes.TemplateSyntax, 2, 8), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
        Assert.Contains("Invalid token detected after the variable", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_braces_do_not_end_a_block()
    {
        var build = PromptSkillFactory.Build(Definition("{{ p.f '}}' }} and {{ p..f }}"));

        var diagnostic = Assert.Single(build.Diagnostics);
        Assert.Equal((1, 20), (diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void An_unsupported_format_is_rejected()
    {
        var build = PromptSkillFactory.Build(Definition("x") with { Format = "Handlebars" });

        Assert.Equal(SkillDiagnosticCodes.TemplateFormat, Assert.Single(build.Diagnostics).Code);
    }
}
