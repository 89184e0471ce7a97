namespace MetaEvolve.Crds.Validation;

/// <summary>
/// apiVersion, kind and metadata: every resource root (and embedded resource) carries them whether
/// or not its schema declares them, and the API server checks metadata itself, not through the schema.
/// </summary>
internal static class ResourceFields
{
    /// <summary>Whether the schema walk should leave <paramref name="key"/> of a resource alone.</summary>
    public static bool IsImplicit(string key, SchemaNode resourceSchema) =>
        key == "metadata" || ((key == "apiVersion" || key == "kind") && !resourceSchema.Properties.ContainsKey(key));
}
