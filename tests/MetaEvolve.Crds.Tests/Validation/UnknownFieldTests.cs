using MetaEvolve.Crds.Validation;

namespace MetaEvolve.Crds.Tests.Validation;

public class UnknownFieldTests
{
    private static readonly CustomResourceValidator Validator = TestCrd.Validator("""
        type: object
        properties:
          spec:
            type: object
            properties:
              model: {type: string}
              autoscaling:
                type: object
                properties:
                  maxReplicas: {type: integer}
              items:
                type: array
                items: {type: object, properties: {name: {type: string}}}
              labels: {type: object, additionalProperties: {type: string}}
              config: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {known: {type: object, properties: {a: {type: string}}}}}
              template:
                type: object
                x-kubernetes-embedded-resource: true
                properties:
                  spec: {type: object, properties: {image: {type: string}}}
          status:
            type: object
            properties:
              phase: {type: string}
        """);

    private const string WithUnknownFields = """
        {"apiVersion": "example.com/v1alpha1", "kind": "Widget", "metadata": {"name": "w"},
         "spec": {"model": "m", "foo": 1, "autoscaling": {"maxReplicas": 2, "bar": true}, "items": [{"name": "a", "extra": 1}]},
         "extra": {}}
        """;

    [Fact]
    public void Unknown_fields_are_rejected_by_default_naming_each_path() =>
        Assert.Equal(
            [
                "unknown field \"spec.foo\"",
                "unknown field \"spec.autoscaling.bar\"",
                "unknown field \"spec.items[0].extra\"",
                "unknown field \"extra\"",
            ],
            Validator.Validate(TestCrd.Object(WithUnknownFields)).Messages());

    [Fact]
    public void An_unknown_field_error_keeps_the_path_as_its_field()
    {
        var error = Validator.Validate(TestCrd.WithSpec("""{"foo": 1}""")).Errors.Single();

        Assert.Equal(FieldErrorType.UnknownField, error.Type);
        Assert.Equal("spec.foo", error.Field);
        Assert.Equal("unknown field \"spec.foo\"", error.ToStatusCause().Message);
    }

    [Fact]
    public void Pruning_drops_unknown_fields_silently()
    {
        var result = Validator.Validate(TestCrd.Object(WithUnknownFields), UnknownFieldHandling.Prune);

        Assert.True(result.IsValid);
        Assert.Equal(
            """{"model":"m","autoscaling":{"maxReplicas":2},"items":[{"name":"a"}]}""",
            result.Object["spec"]!.ToJsonString());
        Assert.False(result.Object.ContainsKey("extra"));
    }

    [Fact]
    public void The_root_may_always_carry_api_version_kind_and_any_metadata()
    {
        var result = Validator.Validate(TestCrd.Object("""
            {"apiVersion": "example.com/v1alpha1", "kind": "Widget",
             "metadata": {"name": "w", "namespace": "n", "labels": {"a": "b"}, "annotations": {"x": "y"}, "finalizers": ["f"]}}
            """));

        Assert.True(result.IsValid);
        Assert.Equal("b", result.Object["metadata"]!["labels"]!["a"]!.GetValue<string>());
    }

    [Fact]
    public void Map_keys_are_never_unknown() =>
        Assert.True(Validator.Validate(TestCrd.WithSpec("""{"labels": {"anything": "goes"}}""")).IsValid);

    [Fact]
    public void Preserve_unknown_fields_keeps_undeclared_fields_but_still_checks_declared_ones()
    {
        Assert.True(Validator.Validate(TestCrd.WithSpec("""{"config": {"whatever": {"deep": [1, 2]}}}""")).IsValid);
        Assert.Equal(
            ["unknown field \"spec.config.known.b\""],
            Validator.Validate(TestCrd.WithSpec("""{"config": {"known": {"a": "x", "b": "y"}}}""")).Messages());
    }

    [Fact]
    public void An_embedded_resource_may_carry_api_version_kind_and_metadata() =>
        Assert.True(Validator.Validate(TestCrd.WithSpec("""
            {"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"a": "b"}}, "spec": {"image": "busybox"}}}
            """)).IsValid);

    [Fact]
    public void Unknown_fields_inside_an_embedded_resource_are_still_unknown() =>
        Assert.Equal(
            ["unknown field \"spec.template.spec.command\""],
            Validator.Validate(TestCrd.WithSpec("""{"template": {"spec": {"image": "b", "command": ["x"]}}}""")).Messages());
}
