using Microsoft.SemanticKernel;

public sealed class Letters
{
    // Does not compile: what the model sees is the compiler's diagnostic, with its line and column.
    [KernelFunction]
    public int Count(string text) => text.Lenght;
}
