using Microsoft.SemanticKernel;

public sealed class Letters
{
    [KernelFunction]
    public int Count(string text) => text.Length;
}
