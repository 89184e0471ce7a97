using MetaEvolve.Crds.Validation;

namespace MetaEvolve.Crds.Tests.Validation;

/// <summary>Each OpenAPI error kind, with the API server's wording and the field path.</summary>
public class SchemaErrorTests
{
    private static readonly CustomResourceValidator Validator = TestCrd.ForSpec("""
        type: object
        required: [model]
        properties:
          model: {type: string, minLength: 1, maxLength: 10, pattern: '^[a-z][a-z0-9-]*$'}
          provider: {type: string, enum: [OpenAI, AzureOpenAI]}
          level: {type: integer, enum: [1, 2]}
          replicas: {type: integer, format: int32, minimum: 0, maximum: 10}
          temperature: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 2, exclusiveMaximum: true}
          step: {type: number, multipleOf: 0.5}
          autoscaling:
            type: object
            properties:
              maxReplicas: {type: integer, minimum: 1}
          tags: {type: array, minItems: 1, maxItems: 2, items: {type: string}}
          set: {type: array, x-kubernetes-list-type: set, items: {type: string}}
          ports:
            type: array
            x-kubernetes-list-type: map
            x-kubernetes-list-map-keys: [name]
            items: {type: object, properties: {name: {type: string}, port: {type: integer}}}
          items:
            type: array
            items: {type: object, required: [name], properties: {name: {type: string}}}
          labels: {type: object, maxProperties: 2, additionalProperties: {type: string, maxLength: 3}}
          enabled: {type: boolean}
          port: {x-kubernetes-int-or-string: true, pattern: '^[a-z]+$', maximum: 65535}
          createdAt: {type: string, format: date-time}
          note: {type: string, nullable: true}
        """);

    private static string[] Errors(string specJson) => Validator.Validate(TestCrd.WithSpec(specJson)).Messages();

    [Fact]
    public void A_valid_object_has_no_errors()
    {
        var result = Validator.Validate(TestCrd.WithSpec("""
            {"model": "gpt-4o", "provider": "OpenAI", "level": 2, "replicas": 3, "temperature": 0.7, "step": 1.5,
             "autoscaling": {"maxReplicas": 4}, "tags": ["a"], "set": ["x", "y"],
             "ports": [{"name": "http", "port": 80}, {"name": "grpc", "port": 81}],
             "items": [{"name": "a"}], "labels": {"a": "abc"}, "enabled": true, "port": 8080,
             "createdAt": "2026-11-28T01:02:03.5+01:00", "note": null}
            """));

        Assert.Empty(result.Messages());
        Assert.True(result.IsValid);
    }

    [Fact]
    public void A_missing_required_field_is_a_required_value_error_on_its_path() =>
        Assert.Equal(["spec.model: Required value"], Errors("{}"));

    [Fact]
    public void A_value_outside_an_enum_lists_the_supported_values() =>
        Assert.Equal(
            ["spec.provider: Unsupported value: \"Foo\": supported values: \"OpenAI\", \"AzureOpenAI\""],
            Errors("""{"model": "m", "provider": "Foo"}"""));

    [Fact]
    public void A_number_outside_an_enum_is_printed_bare_and_the_supported_values_as_json() =>
        Assert.Equal(
            ["spec.level: Unsupported value: 3: supported values: \"1\", \"2\""],
            Errors("""{"model": "m", "level": 3}"""));

    [Fact]
    public void A_value_below_the_minimum_reads_like_the_api_server() =>
        Assert.Equal(
            ["spec.autoscaling.maxReplicas: Invalid value: 0: spec.autoscaling.maxReplicas in body should be greater than or equal to 1"],
            Errors("""{"model": "m", "autoscaling": {"maxReplicas": 0}}"""));

    [Fact]
    public void A_value_above_the_maximum_reads_like_the_api_server() =>
        Assert.Equal(
            ["spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"],
            Errors("""{"model": "m", "replicas": 11}"""));

    [Fact]
    public void Exclusive_bounds_reject_the_bound_itself() =>
        Assert.Equal(
            [
                "spec.temperature: Invalid value: 0: spec.temperature in body should be greater than 0",
            ],
            Errors("""{"model": "m", "temperature": 0}"""));

    [Fact]
    public void An_exclusive_maximum_says_less_than() =>
        Assert.Equal(
            ["spec.temperature: Invalid value: 2.5: spec.temperature in body should be less than 2"],
            Errors("""{"model": "m", "temperature": 2.5}"""));

    [Fact]
    public void A_number_that_is_not_a_multiple_is_rejected() =>
        Assert.Equal(
            ["spec.step: Invalid value: 0.7: spec.step in body should be a multiple of 0.5"],
            Errors("""{"model": "m", "step": 0.7}"""));

    [Fact]
    public void A_string_not_matching_the_pattern_quotes_the_pattern() =>
        Assert.Equal(
            ["spec.model: Invalid value: \"Bad_Name\": spec.model in body should match '^[a-z][a-z0-9-]*$'"],
            Errors("""{"model": "Bad_Name"}"""));

    [Fact]
    public void A_string_longer_than_max_length_is_too_long_without_its_value() =>
        Assert.Equal(["spec.model: Too long: may not be more than 10 bytes"], Errors("""{"model": "abcdefghijk"}"""));

    [Fact]
    public void A_string_shorter_than_min_length_is_invalid() =>
        Assert.Contains(
            "spec.model: Invalid value: \"\": spec.model in body should be at least 1 chars long",
            Errors("""{"model": ""}"""));

    [Fact]
    public void Length_counts_characters_not_utf16_units() =>
        Assert.Empty(Errors("""{"model": "m", "labels": {"a": "😀😀😀"}}"""));

    [Fact]
    public void A_string_where_an_integer_belongs_is_a_type_error() =>
        Assert.Equal(
            ["spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\""],
            Errors("""{"model": "m", "replicas": "three"}"""));

    [Fact]
    public void A_fraction_where_an_integer_belongs_is_a_type_error() =>
        Assert.Equal(
            ["spec.replicas: Invalid value: \"number\": spec.replicas in body must be of type integer: \"number\""],
            Errors("""{"model": "m", "replicas": 1.5}"""));

    [Fact]
    public void An_integral_number_written_with_a_fraction_is_an_integer() =>
        Assert.Empty(Errors("""{"model": "m", "replicas": 2.0}"""));

    [Fact]
    public void An_integer_beyond_int32_breaks_the_int32_format() =>
        Assert.Contains(
            "spec.replicas: Invalid value: 3000000000: spec.replicas in body must be of type int32",
            Errors("""{"model": "m", "replicas": 3000000000}"""));

    [Fact]
    public void A_scalar_where_an_object_belongs_is_a_type_error() =>
        Assert.Equal(
            ["spec: Invalid value: \"string\": spec in body must be of type object: \"string\""],
            Errors("\"text\""));

    [Fact]
    public void A_boolean_field_rejects_a_string() =>
        Assert.Equal(
            ["spec.enabled: Invalid value: \"string\": spec.enabled in body must be of type boolean: \"string\""],
            Errors("""{"model": "m", "enabled": "yes"}"""));

    [Fact]
    public void Too_many_list_items_report_the_count_and_the_limit() =>
        Assert.Equal(["spec.tags: Too many: 3: must have at most 2 items"], Errors("""{"model": "m", "tags": ["a", "b", "c"]}"""));

    [Fact]
    public void Too_few_list_items_report_the_count() =>
        Assert.Equal(
            ["spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"],
            Errors("""{"model": "m", "tags": []}"""));

    [Fact]
    public void Errors_inside_list_items_carry_the_index() =>
        Assert.Equal(["spec.items[1].name: Required value"], Errors("""{"model": "m", "items": [{"name": "a"}, {}]}"""));

    [Fact]
    public void Errors_inside_list_items_of_the_wrong_type_carry_the_index() =>
        Assert.Equal(
            ["spec.tags[1]: Invalid value: \"integer\": spec.tags[1] in body must be of type string: \"integer\""],
            Errors("""{"model": "m", "tags": ["a", 7]}"""));

    [Fact]
    public void Errors_inside_map_values_carry_the_key_in_brackets() =>
        Assert.Equal(["spec.labels[team]: Too long: may not be more than 3 bytes"], Errors("""{"model": "m", "labels": {"team": "platform"}}"""));

    [Fact]
    public void A_map_with_too_many_entries_is_too_many() =>
        Assert.Equal(
            ["spec.labels: Too many: 3: must have at most 2 items"],
            Errors("""{"model": "m", "labels": {"a": "1", "b": "2", "c": "3"}}"""));

    [Fact]
    public void A_set_with_a_repeated_item_is_a_duplicate_value_at_the_repeat() =>
        Assert.Equal(["spec.set[2]: Duplicate value: \"x\""], Errors("""{"model": "m", "set": ["x", "y", "x"]}"""));

    [Fact]
    public void A_map_list_with_a_repeated_key_is_a_duplicate_value() =>
        Assert.Equal(
            ["spec.ports[1]: Duplicate value: {\"name\":\"http\"}"],
            Errors("""{"model": "m", "ports": [{"name": "http", "port": 80}, {"name": "http", "port": 81}]}"""));

    [Fact]
    public void Int_or_string_accepts_integers_and_strings()
    {
        Assert.Empty(Errors("""{"model": "m", "port": 8080}"""));
        Assert.Empty(Errors("""{"model": "m", "port": "http"}"""));
    }

    [Fact]
    public void Int_or_string_applies_string_checks_to_strings_and_number_checks_to_integers()
    {
        Assert.Equal(
            ["spec.port: Invalid value: \"HTTP\": spec.port in body should match '^[a-z]+$'"],
            Errors("""{"model": "m", "port": "HTTP"}"""));
        Assert.Equal(
            ["spec.port: Invalid value: 70000: spec.port in body should be less than or equal to 65535"],
            Errors("""{"model": "m", "port": 70000}"""));
    }

    [Fact]
    public void Int_or_string_rejects_other_types() =>
        Assert.Equal(
            ["spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\""],
            Errors("""{"model": "m", "port": true}"""));

    [Fact]
    public void A_date_time_must_be_rfc3339() =>
        Assert.Equal(
            ["spec.createdAt: Invalid value: \"yesterday\": spec.createdAt in body must be of type date-time: \"yesterday\""],
            Errors("""{"model": "m", "createdAt": "yesterday"}"""));

    [Fact]
    public void A_nullable_field_accepts_null() => Assert.Empty(Errors("""{"model": "m", "note": null}"""));

    [Fact]
    public void A_null_in_a_non_nullable_field_is_dropped_as_the_api_server_does()
    {
        var result = Validator.Validate(TestCrd.WithSpec("""{"model": "m", "enabled": null}"""));

        Assert.True(result.IsValid);
        Assert.False(result.Object["spec"]!.AsObject().ContainsKey("enabled"));
    }

    [Fact]
    public void Several_errors_are_all_reported_in_document_order() =>
        Assert.Equal(
            [
                "spec.model: Required value",
                "spec.provider: Unsupported value: \"Foo\": supported values: \"OpenAI\", \"AzureOpenAI\"",
                "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0",
            ],
            Errors("""{"provider": "Foo", "replicas": -1}"""));

    [Fact]
    public void An_error_becomes_the_status_cause_the_api_server_returns()
    {
        var error = Validator.Validate(TestCrd.WithSpec("""{"model": "m", "autoscaling": {"maxReplicas": 0}}""")).Errors.Single();

        var cause = error.ToStatusCause();

        Assert.Equal("FieldValueInvalid", cause.Reason);
        Assert.Equal("spec.autoscaling.maxReplicas", cause.Field);
        Assert.Equal("Invalid value: 0: spec.autoscaling.maxReplicas in body should be greater than or equal to 1", cause.Message);
    }

    [Theory]
    [InlineData("{}", "FieldValueRequired")]
    [InlineData("""{"model": "m", "provider": "Foo"}""", "FieldValueNotSupported")]
    [InlineData("""{"model": "abcdefghijk"}""", "FieldValueTooLong")]
    [InlineData("""{"model": "m", "tags": ["a", "b", "c"]}""", "FieldValueTooMany")]
    [InlineData("""{"model": "m", "replicas": "x"}""", "FieldValueTypeInvalid")]
    [InlineData("""{"model": "m", "set": ["x", "x"]}""", "FieldValueDuplicate")]
    public void Each_error_type_maps_to_the_api_servers_cause_reason(string specJson, string reason) =>
        Assert.Equal(reason, Validator.Validate(TestCrd.WithSpec(specJson)).Errors.Single().ToStatusCause().Reason);
}
