using MetaEvolve.Crds.Validation;

namespace MetaEvolve.Crds.Tests.Validation;

/// <summary>Field errors print like Kubernetes' <c>field.Error</c>.</summary>
public class FieldErrorTests
{
    [Fact]
    public void An_invalid_value_prints_path_type_value_and_detail() =>
        Assert.Equal(
            "spec.replicas: Invalid value: 0: must be positive",
            new FieldError(FieldErrorType.Invalid, "spec.replicas", 0, "must be positive").ToString());

    [Fact]
    public void String_values_are_quoted_and_escaped_like_go() =>
        Assert.Equal(
            "spec.name: Invalid value: \"a\\\"b\\n\": bad",
            new FieldError(FieldErrorType.Invalid, "spec.name", "a\"b\n", "bad").ToString());

    [Fact]
    public void A_null_value_prints_as_the_string_null() =>
        Assert.Equal("spec.x: Invalid value: \"null\": bad", new FieldError(FieldErrorType.Invalid, "spec.x", null, "bad").ToString());

    [Fact]
    public void Booleans_and_fractions_print_bare()
    {
        Assert.Equal("a: Invalid value: true: d", new FieldError(FieldErrorType.Invalid, "a", true, "d").ToString());
        Assert.Equal("a: Invalid value: 0.25: d", new FieldError(FieldErrorType.Invalid, "a", 0.25, "d").ToString());
    }

    [Fact]
    public void Required_forbidden_and_too_long_leave_the_value_out()
    {
        Assert.Equal("spec.a: Required value", new FieldError(FieldErrorType.Required, "spec.a", null, "").ToString());
        Assert.Equal("spec.a: Forbidden: not here", new FieldError(FieldErrorType.Forbidden, "spec.a", "x", "not here").ToString());
        Assert.Equal("spec.a: Too long: may not be more than 1 byte", new FieldError(FieldErrorType.TooLong, "spec.a", "xy", "may not be more than 1 byte").ToString());
    }

    [Fact]
    public void An_error_without_a_field_prints_nil_like_kubernetes() =>
        Assert.Equal("<nil>: Invalid value: \"object\": bad name", new FieldError(FieldErrorType.Invalid, "", "object", "bad name").ToString());

    [Fact]
    public void The_status_cause_carries_reason_field_and_body()
    {
        var cause = new FieldError(FieldErrorType.NotSupported, "spec.p", "X", "supported values: \"A\"").ToStatusCause();

        Assert.Equal(("FieldValueNotSupported", "spec.p", "Unsupported value: \"X\": supported values: \"A\""), (cause.Reason, cause.Field, cause.Message));
    }

    [Fact]
    public void A_result_prints_its_errors_in_brackets_as_the_api_server_joins_them()
    {
        var result = new ValidationResult(
            [],
            [new FieldError(FieldErrorType.Required, "spec.a", null, ""), new FieldError(FieldErrorType.Required, "spec.b", null, "")]);

        Assert.Equal("[spec.a: Required value, spec.b: Required value]", result.ToString());
    }
}
