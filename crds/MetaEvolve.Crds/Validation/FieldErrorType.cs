namespace MetaEvolve.Crds.Validation;

/// <summary>
/// The kind of a <see cref="FieldError"/>, mirroring Kubernetes' <c>field.ErrorType</c>, plus
/// <see cref="UnknownField"/> for what strict field validation reports.
/// </summary>
public enum FieldErrorType
{
    /// <summary>A required field is missing ("Required value").</summary>
    Required,

    /// <summary>A value breaks a constraint ("Invalid value").</summary>
    Invalid,

    /// <summary>A value is not one of an enumeration ("Unsupported value").</summary>
    NotSupported,

    /// <summary>A string is longer than allowed ("Too long").</summary>
    TooLong,

    /// <summary>A list or map has more entries than allowed ("Too many").</summary>
    TooMany,

    /// <summary>A value is forbidden ("Forbidden").</summary>
    Forbidden,

    /// <summary>A value has the wrong type ("Invalid value", like Kubernetes' TypeInvalid).</summary>
    TypeInvalid,

    /// <summary>A list holds the same item twice ("Duplicate value").</summary>
    Duplicate,

    /// <summary>A field the schema does not declare, rejected by strict field validation.</summary>
    UnknownField,
}

/// <summary>The words the API server uses for each <see cref="FieldErrorType"/>.</summary>
public static class FieldErrorTypeText
{
    /// <summary>The phrase that starts an error's body, as in <c>field.ErrorType.String()</c>.</summary>
    public static string Phrase(this FieldErrorType type) => type switch
    {
        FieldErrorType.Required => "Required value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TypeInvalid => "Invalid value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.UnknownField => "Unknown field",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>
    /// The <c>metav1.CauseType</c> the API server puts in <c>details.causes[].reason</c>. Kubernetes
    /// has no cause type for unknown fields (strict decoding fails the whole request instead), so
    /// those are reported as FieldValueInvalid.
    /// </summary>
    public static string CauseReason(this FieldErrorType type) => type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.UnknownField => "FieldValueInvalid",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
