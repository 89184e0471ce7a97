using MetaEvolve.Crds.Validation;

namespace MetaEvolve.Crds.Tests.Validation;

/// <summary>The CEL rules MetaEvolve's CRDs use, each valid and invalid, evaluated where they are declared.</summary>
public class CelRuleTests
{
    private static readonly CustomResourceValidator Validator = TestCrd.Validator("""
        type: object
        x-kubernetes-validations:
        - rule: "self.metadata.name.size() <= 50 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')"
          message: metadata.name must be a DNS label of at most 50 characters
        properties:
          spec:
            type: object
            properties:
              autoscaling:
                type: object
                x-kubernetes-validations:
                - rule: self.minReplicas <= self.maxReplicas
                  message: minReplicas must not exceed maxReplicas
                properties:
                  minReplicas: {type: integer, default: 1}
                  maxReplicas: {type: integer, default: 5}
              prompt:
                type: object
                x-kubernetes-validations:
                - rule: "!(has(self.instructions) && has(self.instructionsFrom))"
                  message: instructions and instructionsFrom are mutually exclusive
                properties:
                  instructions: {type: string}
                  instructionsFrom:
                    type: object
                    x-kubernetes-validations:
                    - rule: has(self.configMapKeyRef) != has(self.secretKeyRef)
                      message: exactly one of configMapKeyRef or secretKeyRef must be set
                    properties:
                      configMapKeyRef: {type: object, properties: {name: {type: string}, key: {type: string}}}
                      secretKeyRef: {type: object, properties: {name: {type: string}, key: {type: string}}}
              model:
                type: object
                x-kubernetes-validations:
                - rule: self.provider == 'OpenAI' || has(self.endpoint)
                  message: endpoint is required unless provider is OpenAI
                properties:
                  provider: {type: string, enum: [OpenAI, AzureOpenAI, Ollama]}
                  endpoint: {type: string}
              skill:
                type: object
                x-kubernetes-validations:
                - rule: self.type != 'CSharp' || (has(self.csharp) && !has(self.prompt))
                  message: a CSharp skill needs csharp and no prompt
                - rule: self.type != 'Prompt' || (has(self.prompt) && !has(self.csharp))
                  message: a Prompt skill needs prompt and no csharp
                properties:
                  type: {type: string, enum: [CSharp, Prompt]}
                  csharp: {type: object, properties: {code: {type: string}}}
                  prompt: {type: object, properties: {template: {type: string}}}
              assertions:
                type: array
                items:
                  type: object
                  x-kubernetes-validations:
                  - rule: "(has(self.equals) ? 1 : 0) + (has(self.contains) ? 1 : 0) + (has(self.matches) ? 1 : 0) == 1"
                    message: exactly one of equals, contains or matches must be set
                  properties:
                    equals: {type: string}
                    contains: {type: string}
                    matches: {type: string}
              change:
                type: object
                x-kubernetes-validations:
                - rule: self.authoredBy == 'Human' || has(self.agentRef)
                  message: agentRef is required unless authoredBy is Human
                properties:
                  authoredBy: {type: string, enum: [Human, Agent]}
                  agentRef: {type: object, properties: {name: {type: string}}}
        """);

    private static string[] Errors(string specJson) => Validator.Validate(TestCrd.WithSpec(specJson)).Messages();

    private static string[] ErrorsForName(string name) =>
        Validator.Validate(TestCrd.Object($$$"""{"apiVersion": "example.com/v1alpha1", "kind": "Widget", "metadata": {"name": "{{{name}}}"}, "spec": {}}""")).Messages();

    [Theory]
    [InlineData("a")]
    [InlineData("my-agent-1")]
    [InlineData("01234567890123456789012345678901234567890123456789")]
    public void A_dns_label_name_of_at_most_50_characters_passes_the_root_rule(string name) =>
        Assert.Empty(ErrorsForName(name));

    [Theory]
    [InlineData("My_Agent")]
    [InlineData("-agent")]
    [InlineData("agent-")]
    [InlineData("012345678901234567890123456789012345678901234567890")]
    public void Any_other_name_fails_the_root_rule_reported_at_the_root(string name) =>
        // Names that are not even DNS subdomains also get ObjectMeta's own metadata.name error.
        Assert.Contains("<nil>: Invalid value: \"object\": metadata.name must be a DNS label of at most 50 characters", ErrorsForName(name));

    [Fact]
    public void Min_replicas_not_above_max_replicas_passes() =>
        Assert.Empty(Errors("""{"autoscaling": {"minReplicas": 2, "maxReplicas": 2}}"""));

    [Fact]
    public void Min_replicas_above_max_replicas_fails_on_the_object_that_declares_the_rule() =>
        Assert.Equal(
            ["spec.autoscaling: Invalid value: \"object\": minReplicas must not exceed maxReplicas"],
            Errors("""{"autoscaling": {"minReplicas": 3, "maxReplicas": 2}}"""));

    [Fact]
    public void Rules_see_defaulted_values() =>
        Assert.Equal(
            ["spec.autoscaling: Invalid value: \"object\": minReplicas must not exceed maxReplicas"],
            Errors("""{"autoscaling": {"maxReplicas": 0}}"""));

    [Theory]
    [InlineData("""{"instructions": "be brief"}""")]
    [InlineData("""{"instructionsFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}""")]
    [InlineData("{}")]
    public void Instructions_or_instructions_from_alone_pass(string prompt) =>
        Assert.Empty(Errors($$"""{"prompt": {{prompt}}}"""));

    [Theory]
    [InlineData("""{"instructions": "x", "instructionsFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}""")]
    [InlineData("""{"instructions": "", "instructionsFrom": {"secretKeyRef": {}}}""")]
    public void Instructions_and_instructions_from_together_fail(string prompt) =>
        Assert.Equal(
            ["spec.prompt: Invalid value: \"object\": instructions and instructionsFrom are mutually exclusive"],
            Errors($$"""{"prompt": {{prompt}}}"""));

    [Theory]
    [InlineData("""{"configMapKeyRef": {"name": "c", "key": "k"}}""")]
    [InlineData("""{"secretKeyRef": {"name": "s", "key": "k"}}""")]
    [InlineData("""{"secretKeyRef": {}}""")]
    public void Exactly_one_key_reference_passes_even_when_it_is_an_empty_object(string from) =>
        Assert.Empty(Errors($$$"""{"prompt": {"instructionsFrom": {{{from}}}}}"""));

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"configMapKeyRef": {"name": "c"}, "secretKeyRef": {"name": "s"}}""")]
    [InlineData("""{"configMapKeyRef": {}, "secretKeyRef": {}}""")]
    public void Neither_or_both_key_references_fail(string from) =>
        Assert.Equal(
            ["spec.prompt.instructionsFrom: Invalid value: \"object\": exactly one of configMapKeyRef or secretKeyRef must be set"],
            Errors($$$"""{"prompt": {"instructionsFrom": {{{from}}}}}"""));

    [Theory]
    [InlineData("""{"provider": "OpenAI"}""")]
    [InlineData("""{"provider": "AzureOpenAI", "endpoint": "https://x.openai.azure.com"}""")]
    [InlineData("""{"provider": "Ollama", "endpoint": ""}""")]
    public void Open_ai_needs_no_endpoint_and_other_providers_have_one(string model) =>
        Assert.Empty(Errors($$"""{"model": {{model}}}"""));

    [Fact]
    public void Another_provider_without_an_endpoint_fails() =>
        Assert.Equal(
            ["spec.model: Invalid value: \"object\": endpoint is required unless provider is OpenAI"],
            Errors("""{"model": {"provider": "Ollama"}}"""));

    [Theory]
    [InlineData("""{"type": "CSharp", "csharp": {"code": "return 1;"}}""")]
    [InlineData("""{"type": "CSharp", "csharp": {}}""")]
    [InlineData("""{"type": "Prompt", "prompt": {"template": "hi"}}""")]
    [InlineData("""{"type": "Prompt", "prompt": {}}""")]
    public void A_skill_with_exactly_the_block_its_type_needs_passes(string skill) =>
        Assert.Empty(Errors($$"""{"skill": {{skill}}}"""));

    [Theory]
    [InlineData("""{"type": "CSharp"}""", "a CSharp skill needs csharp and no prompt")]
    [InlineData("""{"type": "CSharp", "csharp": {}, "prompt": {}}""", "a CSharp skill needs csharp and no prompt")]
    [InlineData("""{"type": "Prompt"}""", "a Prompt skill needs prompt and no csharp")]
    [InlineData("""{"type": "Prompt", "prompt": {"template": "t"}, "csharp": {}}""", "a Prompt skill needs prompt and no csharp")]
    [InlineData("""{"type": "Prompt", "csharp": {"code": "x"}}""", "a Prompt skill needs prompt and no csharp")]
    public void A_skill_missing_its_block_or_carrying_the_other_fails(string skill, string message) =>
        Assert.Equal([$"spec.skill: Invalid value: \"object\": {message}"], Errors($$"""{"skill": {{skill}}}"""));

    [Theory]
    [InlineData("""{"equals": "4"}""")]
    [InlineData("""{"contains": "four"}""")]
    [InlineData("""{"matches": "^4$"}""")]
    [InlineData("""{"equals": ""}""")]
    public void An_assertion_with_exactly_one_check_passes(string assertion) =>
        Assert.Empty(Errors($$"""{"assertions": [{{assertion}}]}"""));

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"equals": "4", "contains": "4"}""")]
    [InlineData("""{"equals": "4", "contains": "4", "matches": "4"}""")]
    public void An_assertion_with_no_or_several_checks_fails_at_its_list_index(string assertion) =>
        Assert.Equal(
            ["spec.assertions[1]: Invalid value: \"object\": exactly one of equals, contains or matches must be set"],
            Errors($$"""{"assertions": [{"equals": "ok"}, {{assertion}}]}"""));

    [Theory]
    [InlineData("""{"authoredBy": "Human"}""")]
    [InlineData("""{"authoredBy": "Agent", "agentRef": {"name": "a"}}""")]
    [InlineData("""{"authoredBy": "Agent", "agentRef": {}}""")]
    public void A_human_change_or_an_agent_change_with_its_agent_passes(string change) =>
        Assert.Empty(Errors($$"""{"change": {{change}}}"""));

    [Fact]
    public void An_agent_change_without_an_agent_reference_fails() =>
        Assert.Equal(
            ["spec.change: Invalid value: \"object\": agentRef is required unless authoredBy is Human"],
            Errors("""{"change": {"authoredBy": "Agent"}}"""));

    [Fact]
    public void Several_failing_rules_are_all_reported() =>
        Assert.Equal(
            [
                "spec.model: Invalid value: \"object\": endpoint is required unless provider is OpenAI",
                "spec.change: Invalid value: \"object\": agentRef is required unless authoredBy is Human",
            ],
            Errors("""{"model": {"provider": "Ollama"}, "change": {"authoredBy": "Agent"}}"""));

    [Fact]
    public void Rules_are_not_evaluated_when_the_schema_already_failed_as_in_the_api_server() =>
        Assert.Equal(
            [
                "spec.model.provider: Unsupported value: \"Nope\": supported values: \"OpenAI\", \"AzureOpenAI\", \"Ollama\"",
                "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
            ],
            Errors("""{"model": {"provider": "Nope"}, "change": {"authoredBy": "Agent"}}"""));

    [Fact]
    public void One_validator_checks_many_objects_with_its_compiled_rules()
    {
        for (var i = 0; i < 50; i++)
        {
            Assert.Empty(Errors($$$"""{"autoscaling": {"minReplicas": {{{i}}}, "maxReplicas": {{{i + 1}}}}}"""));
            Assert.Single(Errors($$$"""{"autoscaling": {"minReplicas": {{{i + 2}}}, "maxReplicas": {{{i + 1}}}}}"""));
        }
    }
}
