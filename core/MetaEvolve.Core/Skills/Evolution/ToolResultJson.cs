using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MetaEvolve.Core.Skills.Evolution;

/// <summary>
/// How the evolution tools write the JSON a model reads. The default encoder escapes quotes, angle brackets and
/// non-ASCII text for HTML (<c>\u0027Lenght\u0027</c>, <c>List\u003Cint\u003E</c>), which a model has to decode before
/// it can match a diagnostic to its code; this text never lands in HTML, so it is written as it reads.
/// </summary>
public static class ToolResultJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
