namespace MetaEvolve.Bench.Chaos;

internal static class OperatorFailoverScenario
{
    public static Task<FailoverResult> RunAsync(ChaosServices services, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}

internal sealed record FailoverResult(string Line, bool Clean);
