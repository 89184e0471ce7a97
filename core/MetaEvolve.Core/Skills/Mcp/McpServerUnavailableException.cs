namespace MetaEvolve.Core.Skills.Mcp;

/// <summary>An MCP server did not answer: unreachable, refused the connection or the session, or too slow.</summary>
public sealed class McpServerUnavailableException : Exception
{
    public McpServerUnavailableException() { }
    public McpServerUnavailableException(string message) : base(message) { }
    public McpServerUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
