namespace Engine.Grains.Hosting;

/// <summary>
/// A start-up failure the operator can fix from its message alone (a missing setting, an unreachable
/// database). Hosts print the message and exit instead of dumping a stack trace.
/// </summary>
public sealed class EngineStartupException(string message, Exception? innerException = null)
    : Exception(message, innerException);
