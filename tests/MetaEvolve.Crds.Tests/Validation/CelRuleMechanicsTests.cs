namespace MetaEvolve.Crds.Tests.Validation;

/// <summary>How rules are bound, worded and reported: messages, reasons, field paths and failures.</summary>
public class CelRuleMechanicsTests
{
    private static string[] Errors(string specSchemaYaml, string specJson) =>
        TestCrd.ForSpec(specSchemaYaml).Validate(TestCrd.WithSpec(specJson)).Messages();

    [Fact]
    public void A_rule_that_does_not_compile_is_reported_on_its_path_not_thrown()
    {
        var errors = Errors("""
            type: object
            x-kubernetes-validations:
            - rule: "self.replicas +"
            properties:
              replicas: {type: integer}
            """, """{"replicas": 1}""");

        Assert.StartsWith("spec: Invalid value: \"object\": rule compile error: ", Assert.Single(errors));
    }

    [Fact]
    public void A_rule_reading_a_missing_field_is_an_evaluation_error_like_no_such_key() =>
        Assert.Equal(
            ["spec: Invalid value: \"object\": no such key: replicas evaluating rule: self.replicas > 0"],
            Errors("""
                type: object
                x-kubernetes-validations:
                - rule: self.replicas > 0
                properties:
                  replicas: {type: integer}
                """, "{}"));

    [Fact]
    public void A_rule_calling_an_unknown_function_is_an_evaluation_error() =>
        Assert.StartsWith(
            "spec: Invalid value: \"object\": ",
            Assert.Single(Errors("""
                type: object
                x-kubernetes-validations:
                - rule: nosuchfunction(self)
                """, "{}")));

    [Fact]
    public void A_rule_that_does_not_return_a_bool_is_an_error() =>
        Assert.Equal(
            ["spec: Invalid value: \"object\": rule evaluated to Int64, not bool evaluating rule: self.replicas"],
            Errors("""
                type: object
                x-kubernetes-validations:
                - rule: self.replicas
                properties:
                  replicas: {type: integer}
                """, """{"replicas": 1}"""));

    [Fact]
    public void A_rule_without_a_message_reports_the_failed_rule() =>
        Assert.Equal(
            ["spec: Invalid value: \"object\": failed rule: self.replicas > 0"],
            Errors("""
                type: object
                x-kubernetes-validations:
                - rule: self.replicas > 0
                properties:
                  replicas: {type: integer}
                """, """{"replicas": 0}"""));

    [Fact]
    public void A_message_expression_builds_the_message_from_the_value() =>
        Assert.Equal(
            ["spec: Invalid value: \"object\": replicas is 0, must be positive"],
            Errors("""
                type: object
                x-kubernetes-validations:
                - rule: self.replicas > 0
                  message: static message
                  messageExpression: "'replicas is ' + string(self.replicas) + ', must be positive'"
                properties:
                  replicas: {type: integer}
                """, """{"replicas": 0}"""));

    [Fact]
    public void A_failing_message_expression_falls_back_to_the_message() =>
        Assert.Equal(
            ["spec: Invalid value: \"object\": static message"],
            Errors("""
                type: object
                x-kubernetes-validations:
                - rule: self.replicas > 0
                  message: static message
                  messageExpression: "'missing ' + self.nothing"
                properties:
                  replicas: {type: integer}
                """, """{"replicas": 0}"""));

    [Fact]
    public void A_reason_and_field_path_move_and_reshape_the_error() =>
        Assert.Equal(
            ["spec.endpoint: Required value: endpoint is required for this provider"],
            Errors("""
                type: object
                x-kubernetes-validations:
                - rule: self.provider == 'OpenAI' || has(self.endpoint)
                  message: endpoint is required for this provider
                  reason: FieldValueRequired
                  fieldPath: .endpoint
                properties:
                  provider: {type: string}
                  endpoint: {type: string}
                """, """{"provider": "Ollama"}"""));

    [Fact]
    public void A_forbidden_reason_prints_forbidden() =>
        Assert.Equal(
            ["spec.a: Forbidden: a and b are mutually exclusive"],
            Errors("""
                type: object
                x-kubernetes-validations:
                - rule: "!(has(self.a) && has(self.b))"
                  message: a and b are mutually exclusive
                  reason: FieldValueForbidden
                  fieldPath: ".a"
                properties:
                  a: {type: string}
                  b: {type: string}
                """, """{"a": "x", "b": "y"}"""));

    [Fact]
    public void A_rule_on_a_string_binds_self_to_the_string() =>
        Assert.Equal(
            ["spec.image: Invalid value: \"string\": image must not use the latest tag"],
            Errors("""
                type: object
                properties:
                  image:
                    type: string
                    x-kubernetes-validations:
                    - rule: "!self.endsWith(':latest')"
                      message: image must not use the latest tag
                """, """{"image": "busybox:latest"}"""));

    [Fact]
    public void A_rule_on_list_items_runs_once_per_item_with_its_index() =>
        Assert.Equal(
            ["spec.ports[1]: Invalid value: \"integer\": must be a valid port"],
            Errors("""
                type: object
                properties:
                  ports:
                    type: array
                    items:
                      type: integer
                      x-kubernetes-validations:
                      - rule: self > 0 && self < 65536
                        message: must be a valid port
                """, """{"ports": [80, 0, 443]}"""));

    [Fact]
    public void A_rule_on_a_list_sees_the_whole_list() =>
        Assert.Equal(
            ["spec.tags: Invalid value: \"array\": tags must include default"],
            Errors("""
                type: object
                properties:
                  tags:
                    type: array
                    items: {type: string}
                    x-kubernetes-validations:
                    - rule: "'default' in self"
                      message: tags must include default
                """, """{"tags": ["a", "b"]}"""));

    [Fact]
    public void A_rule_on_map_values_runs_per_value_with_the_key_in_the_path() =>
        Assert.Equal(
            ["spec.limits[memory]: Invalid value: \"object\": max must not be below min"],
            Errors("""
                type: object
                properties:
                  limits:
                    type: object
                    additionalProperties:
                      type: object
                      x-kubernetes-validations:
                      - rule: self.max >= self.min
                        message: max must not be below min
                      properties:
                        min: {type: integer}
                        max: {type: integer}
                """, """{"limits": {"cpu": {"min": 1, "max": 2}, "memory": {"min": 3, "max": 2}}}"""));

    [Fact]
    public void A_rule_on_a_map_can_ask_for_a_key_with_has() =>
        Assert.Empty(Errors("""
            type: object
            properties:
              labels:
                type: object
                additionalProperties: {type: string}
                x-kubernetes-validations:
                - rule: has(self.team) && self.team != ''
            """, """{"labels": {"team": "ai"}}"""));

    [Fact]
    public void A_number_field_is_a_double_in_cel_even_when_written_as_an_integer() =>
        Assert.Empty(Errors("""
            type: object
            properties:
              temperature:
                type: number
                x-kubernetes-validations:
                - rule: self <= 2.0
            """, """{"temperature": 1}"""));

    [Fact]
    public void Rules_on_fields_that_are_absent_are_not_evaluated() =>
        Assert.Empty(Errors("""
            type: object
            properties:
              image:
                type: string
                x-kubernetes-validations:
                - rule: self.size() > 100
            """, "{}"));

    [Fact]
    public void Transition_rules_reading_old_self_are_skipped_because_there_is_no_old_object() =>
        Assert.Empty(Errors("""
            type: object
            properties:
              name:
                type: string
                x-kubernetes-validations:
                - rule: self == oldSelf
                  message: name is immutable
            """, """{"name": "x"}"""));

    [Fact]
    public void A_rule_selecting_a_field_the_schema_does_not_declare_is_a_compile_error_like_the_api_server_makes_it()
    {
        var validator = TestCrd.ForSpec("""
            type: object
            x-kubernetes-validations:
            - rule: self.type != 'CSharp' || has(self.csharp)
            properties:
              type: {type: string}
              cSharp: {type: object}
            """);

        Assert.Equal(
            ["spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: \"self.type != 'CSharp' || has(self.csharp)\": compilation failed: undefined field 'csharp'"],
            validator.SchemaErrors.Select(e => e.ToString()));
        Assert.Equal(
            ["spec: Invalid value: \"object\": rule compile error: undefined field 'csharp'"],
            validator.Validate(TestCrd.WithSpec("""{"type": "Prompt"}""")).Messages());
    }

    [Fact]
    public void Nested_selections_are_checked_through_the_schema() =>
        Assert.Equal(
            "compilation failed: undefined field 'maxReplica'",
            Assert.Single(TestCrd.ForSpec("""
                type: object
                x-kubernetes-validations:
                - rule: self.autoscaling.minReplicas <= self.autoscaling.maxReplica
                properties:
                  autoscaling: {type: object, properties: {minReplicas: {type: integer}, maxReplicas: {type: integer}}}
                """).SchemaErrors).Detail);

    [Fact]
    public void Root_rules_may_read_metadata_name_and_generate_name_but_no_other_metadata()
    {
        var allowed = TestCrd.Validator("""
            type: object
            x-kubernetes-validations:
            - rule: self.metadata.name.size() < 10 || self.metadata.generateName.startsWith('x')
            properties:
              metadata: {type: object}
            """);
        var labels = TestCrd.Validator("""
            type: object
            x-kubernetes-validations:
            - rule: has(self.metadata.labels)
            """);

        Assert.Empty(allowed.SchemaErrors);
        Assert.Equal("compilation failed: undefined field 'labels'", Assert.Single(labels.SchemaErrors).Detail);
    }

    [Fact]
    public void Map_keys_method_calls_and_text_in_string_literals_are_not_field_references() =>
        Assert.Empty(TestCrd.ForSpec("""
            type: object
            x-kubernetes-validations:
            - rule: "self.name.startsWith('self.nothing') && self.labels.anyKey == 'x' && self.config.whatever"
            properties:
              name: {type: string}
              labels: {type: object, additionalProperties: {type: string}}
              config: {type: object, x-kubernetes-preserve-unknown-fields: true}
            """).SchemaErrors);

    [Fact]
    public void A_pattern_that_is_not_a_regular_expression_is_a_schema_error_and_fails_values_not_validation()
    {
        var validator = TestCrd.ForSpec("""
            type: object
            properties:
              name: {type: string, pattern: '([a-z'}
            """);

        Assert.Equal("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[name].pattern", Assert.Single(validator.SchemaErrors).Field);
        Assert.StartsWith(
            "spec.name: Invalid value: \"abc\": spec.name in body has an invalid pattern '([a-z': ",
            Assert.Single(validator.Validate(TestCrd.WithSpec("""{"name": "abc"}""")).Messages()));
    }
}
