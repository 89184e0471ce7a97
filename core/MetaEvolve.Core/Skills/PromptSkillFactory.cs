using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// Builds Semantic Kernel prompt functions from prompt skills. Semantic Kernel reports a bad template without
/// a position, so each <c>{{ ... }}</c> block is parsed on its own to find the line and column of the bad one.
/// </summary>
public static class PromptSkillFactory
{
    public const string SemanticKernelFormat = "SemanticKernel";

    public static PromptSkillBuild Build(PromptSkillDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Format is not (null or SemanticKernelFormat or "semantic-kernel"))
        {
            return new PromptSkillBuild(null, null,
                [SkillDiagnostic.AnError(SkillDiagnosticCodes.TemplateFormat, 1, 1, $"template format '{definition.Format}' is not supported; use {SemanticKernelFormat}")]);
        }

        var diagnostics = Validate(definition.Template);
        if (diagnostics.Count > 0)
        {
            return new PromptSkillBuild(null, null, diagnostics);
        }

        var config = ToConfig(definition);
        var factory = new KernelPromptTemplateFactory();
        var template = factory.Create(config);
        var function = KernelFunctionFactory.CreateFromPrompt(config, factory);
        return new PromptSkillBuild(function, template, []);
    }

    /// <summary>Parse errors of the template, each at the start of the offending block.</summary>
    public static IReadOnlyList<SkillDiagnostic> Validate(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var factory = new KernelPromptTemplateFactory();
        var diagnostics = new List<SkillDiagnostic>();
        foreach (var (offset, block) in Blocks(template))
        {
            try
            {
                factory.Create(new PromptTemplateConfig(block));
            }
            catch (KernelException exception)
            {
                var (line, column) = Position(template, offset);
                diagnostics.Add(SkillDiagnostic.AnError(SkillDiagnosticCodes.TemplateSyntax, line, column, $"invalid template block {block}: {exception.Message}"));
            }
        }

        if (diagnostics.Count == 0)
        {
            try
            {
                factory.Create(new PromptTemplateConfig(template));
            }
            catch (KernelException exception)
            {
                diagnostics.Add(SkillDiagnostic.AnError(SkillDiagnosticCodes.TemplateSyntax, 1, 1, $"invalid template: {exception.Message}"));
            }
        }

        return diagnostics;
    }

    private static PromptTemplateConfig ToConfig(PromptSkillDefinition definition)
    {
        var config = new PromptTemplateConfig(definition.Template)
        {
            Name = definition.Name,
            Description = definition.Description,
            TemplateFormat = PromptTemplateConfig.SemanticKernelTemplateFormat,
            InputVariables = [.. definition.InputVariables.Select(v => new InputVariable
            {
                Name = v.Name,
                Description = v.Description,
                Default = v.Default,
                IsRequired = v.IsRequired,
            })],
        };
        if (definition.Settings is { } settings)
        {
            var extension = new Dictionary<string, object>();
            if (settings.Temperature is { } temperature)
            {
                extension["temperature"] = temperature;
            }

            if (settings.TopP is { } topP)
            {
                extension["top_p"] = topP;
            }

            if (settings.MaxTokens is { } maxTokens)
            {
                extension["max_tokens"] = maxTokens;
            }

            if (settings.StopSequences is { Count: > 0 } stop)
            {
                extension["stop_sequences"] = stop.ToArray();
            }

            config.AddExecutionSettings(new PromptExecutionSettings { ExtensionData = extension });
        }

        return config;
    }

    /// <summary>Code blocks as Semantic Kernel's tokenizer sees them: "{{" to "}}" outside quoted values.</summary>
    private static IEnumerable<(int Offset, string Block)> Blocks(string template)
    {
        var i = 0;
        while ((i = template.IndexOf("{{", i, StringComparison.Ordinal)) >= 0)
        {
            char? quote = null;
            var end = -1;
            for (var j = i + 2; j < template.Length - 1; j++)
            {
                var c = template[j];
                if (quote is not null)
                {
                    if (c == '\\')
                    {
                        j++;
                    }
                    else if (c == quote)
                    {
                        quote = null;
                    }
                }
                else if (c is '\'' or '"')
                {
                    quote = c;
                }
                else if (c == '}' && template[j + 1] == '}')
                {
                    end = j + 2;
                    break;
                }
            }

            if (end < 0)
            {
                yield break;
            }

            yield return (i, template[i..end]);
            i = end;
        }
    }

    private static (int Line, int Column) Position(string text, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var k = 0; k < offset; k++)
        {
            if (text[k] == '\n')
            {
                line++;
                lineStart = k + 1;
            }
        }

        return (line, offset - lineStart + 1);
    }
}
