using System.Text.Json.Nodes;
using MetaEvolve.Crds.Validation;

namespace MetaEvolve.Crds.Tests.Validation;

public class DefaultingTests
{
    private static readonly CustomResourceValidator Validator = TestCrd.ForSpec("""
        type: object
        default: {}
        properties:
          replicas: {type: integer, default: 1}
          mode: {type: string, enum: [Auto, Manual], default: Auto}
          autoscaling:
            type: object
            default: {}
            properties:
              minReplicas: {type: integer, default: 1, minimum: 1}
              maxReplicas: {type: integer, default: 5}
          template:
            type: object
            properties:
              image: {type: string, default: busybox}
          containers:
            type: array
            items:
              type: object
              properties:
                name: {type: string}
                pullPolicy: {type: string, default: IfNotPresent}
          limits:
            type: object
            additionalProperties:
              type: object
              properties:
                unit: {type: string, default: m}
                amount: {type: integer}
          timeout: {type: string, default: 30s}
        """);

    private static JsonNode Spec(ValidationResult result) => result.Object["spec"]!;

    [Fact]
    public void A_missing_parent_defaulted_to_an_empty_object_receives_its_childrens_defaults()
    {
        var result = Validator.Validate(TestCrd.Object("""{"apiVersion": "example.com/v1alpha1", "kind": "Widget", "metadata": {"name": "w"}}"""));

        Assert.True(result.IsValid);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"replicas": 1, "mode": "Auto", "autoscaling": {"minReplicas": 1, "maxReplicas": 5}, "timeout": "30s"}"""),
            Spec(result)));
    }

    [Fact]
    public void Given_values_are_kept_and_only_missing_ones_are_defaulted()
    {
        var result = Validator.Validate(TestCrd.WithSpec("""{"replicas": 3, "autoscaling": {"maxReplicas": 9}}"""));

        Assert.Equal(3, Spec(result)["replicas"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"maxReplicas": 9, "minReplicas": 1}"""), Spec(result)["autoscaling"]));
    }

    [Fact]
    public void An_object_without_a_default_stays_absent() =>
        Assert.False(Spec(Validator.Validate(TestCrd.WithSpec("{}"))).AsObject().ContainsKey("template"));

    [Fact]
    public void A_present_object_without_a_default_still_gets_its_childrens_defaults() =>
        Assert.Equal("busybox", Spec(Validator.Validate(TestCrd.WithSpec("""{"template": {}}""")))["template"]!["image"]!.GetValue<string>());

    [Fact]
    public void Every_list_item_gets_its_defaults()
    {
        var result = Validator.Validate(TestCrd.WithSpec("""{"containers": [{"name": "a"}, {"name": "b", "pullPolicy": "Always"}]}"""));

        Assert.Equal("IfNotPresent", Spec(result)["containers"]![0]!["pullPolicy"]!.GetValue<string>());
        Assert.Equal("Always", Spec(result)["containers"]![1]!["pullPolicy"]!.GetValue<string>());
    }

    [Fact]
    public void Every_map_value_gets_its_defaults() =>
        Assert.Equal("m", Spec(Validator.Validate(TestCrd.WithSpec("""{"limits": {"cpu": {"amount": 2}}}""")))["limits"]!["cpu"]!["unit"]!.GetValue<string>());

    [Fact]
    public void A_null_in_a_non_nullable_field_with_a_default_gets_the_default() =>
        Assert.Equal(1, Spec(Validator.Validate(TestCrd.WithSpec("""{"replicas": null}""")))["replicas"]!.GetValue<int>());

    [Fact]
    public void Defaulted_values_are_validated_after_defaulting() =>
        Assert.Equal(
            ["spec.autoscaling.minReplicas: Invalid value: 0: spec.autoscaling.minReplicas in body should be greater than or equal to 1"],
            Validator.Validate(TestCrd.WithSpec("""{"autoscaling": {"minReplicas": 0}}""")).Messages());

    [Fact]
    public void The_callers_object_is_left_untouched()
    {
        var input = TestCrd.WithSpec("{}");

        var result = Validator.Validate(input);

        Assert.Equal("{}", input["spec"]!.ToJsonString());
        Assert.NotSame(input, result.Object);
        Assert.Equal(1, Spec(result)["replicas"]!.GetValue<int>());
    }

    [Fact]
    public void Defaults_do_not_leak_between_objects_through_shared_nodes()
    {
        var first = Validator.Validate(TestCrd.WithSpec("{}"));
        first.Object["spec"]!["autoscaling"]!["maxReplicas"] = 42;

        var second = Validator.Validate(TestCrd.WithSpec("{}"));

        Assert.Equal(5, Spec(second)["autoscaling"]!["maxReplicas"]!.GetValue<int>());
    }
}
