using Microsoft.SemanticKernel;

public sealed class Letters
{
    // Version 1.0.1: spaces are not letters.
    [KernelFunction]
    public int Count(string text) => text.Replace(" ", "").Length;
}
