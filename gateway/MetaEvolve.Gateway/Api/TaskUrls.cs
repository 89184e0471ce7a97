namespace MetaEvolve.Gateway.Api;

/// <summary>Relative URLs of the task resources, the same from every replica.</summary>
public static class TaskUrls
{
    public static string Task(Guid id) => $"/v1/tasks/{id:D}";
}
