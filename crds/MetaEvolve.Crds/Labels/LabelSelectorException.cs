namespace MetaEvolve.Crds.Labels;

/// <summary>A label selector string that does not parse; the message is worded as the API server's.</summary>
public sealed class LabelSelectorException(string message) : FormatException(message);
