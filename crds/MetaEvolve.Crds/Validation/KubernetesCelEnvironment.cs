using Cel;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// The one CEL environment every rule is compiled in, adjusted to behave like Kubernetes' CEL.
/// </summary>
internal static class KubernetesCelEnvironment
{
    // The Cel package does not document its environment as thread-safe; rules are small, so one
    // lock around compiling and evaluating costs little and rules out surprises in the API server.
    private static readonly Lock Gate = new();
    private static readonly CelEnvironment Environment = Create();

    public static CelProgramDelegate Compile(string expression)
    {
        lock (Gate)
        {
            return Environment.Compile(expression);
        }
    }

    public static object? Evaluate(CelProgramDelegate program, object? self)
    {
        lock (Gate)
        {
            return program(new Dictionary<string, object?> { ["self"] = self });
        }
    }

    /// <summary>
    /// The package answers a selection of a missing map key with an internal marker object instead of
    /// an error (the standard "no such key").
    /// </summary>
    public static bool IsNoSuchField(object? value) =>
        value is not null && value.GetType().FullName == "Cel.Internal.CelNoSuchField";

    private static CelEnvironment Create()
    {
        var environment = new CelEnvironment(null, null);

        // The package's has() treats empty strings, lists and maps (so an empty object {}) as absent,
        // proto3-style. Kubernetes' has() asks only whether the key is present. Registrations are
        // searched newest first, so this one wins for every argument type.
        environment.RegisterFunction("has", [typeof(object)], arguments => arguments.Length == 1 && !IsNoSuchField(arguments[0]));
        return environment;
    }
}
