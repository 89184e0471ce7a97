using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// Stored assemblies carry the engine version that built them (an assembly-level AssemblyMetadata attribute),
/// so a worker running newer instrumentation recompiles instead of loading bytes built for an older guard API.
/// Read from the metadata without loading the assembly.
/// </summary>
internal static class SkillAssemblyStamp
{
    public const string Key = "MetaEvolve.SkillEngine";

    public static string Source => $"[assembly: global::System.Reflection.AssemblyMetadata(\"{Key}\", \"{CSharpSkillCompiler.EngineVersion}\")]";

    public static string? Read(byte[] assembly)
    {
        try
        {
            using var pe = new PEReader(new MemoryStream(assembly, writable: false));
            var reader = pe.GetMetadataReader();
            foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
            {
                var attribute = reader.GetCustomAttribute(handle);
                if (attribute.Constructor.Kind != HandleKind.MemberReference)
                {
                    continue;
                }

                var constructor = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
                if (constructor.Parent.Kind != HandleKind.TypeReference
                    || reader.GetString(reader.GetTypeReference((TypeReferenceHandle)constructor.Parent).Name) != "AssemblyMetadataAttribute")
                {
                    continue;
                }

                // Blob: prolog (2 bytes), then two SerString arguments.
                var blob = reader.GetBlobReader(attribute.Value);
                blob.ReadUInt16();
                if (blob.ReadSerializedString() == Key)
                {
                    return blob.ReadSerializedString();
                }
            }
        }
        catch (BadImageFormatException)
        {
            return null;
        }

        return null;
    }
}
