using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Bench.Skills;

/// <summary>
/// The baseline: the benchmarked skill's method compiled into the host and called directly. Its source is
/// also the skill's source (see <see cref="Source"/>), so both sides run the same code.
/// </summary>
public sealed class TextStats
{
    public const string Source = """
        public sealed class TextStats
        {
            [KernelFunction, Description("Counts the words in a text.")]
            public int WordCount(string text)
            {
                var count = 0;
                var inWord = false;
                foreach (var c in text)
                {
                    if (c == ' ') { inWord = false; }
                    else if (!inWord) { inWord = true; count++; }
                }
                return count;
            }
        }
        """;

    // An instance method, like the skill's: the call shapes must match for the baseline to mean anything.
#pragma warning disable CA1822
    [KernelFunction, Description("Counts the words in a text.")]
    public int WordCount(string text)
#pragma warning restore CA1822
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            if (c == ' ')
            {
                inWord = false;
            }
            else if (!inWord)
            {
                inWord = true;
                count++;
            }
        }

        return count;
    }
}
