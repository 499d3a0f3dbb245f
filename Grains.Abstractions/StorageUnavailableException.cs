namespace Engine.Grains.Abstractions;

/// <summary>
/// PostgreSQL could not be reached, or restarted, under a grain call: the call did not complete and may
/// be tried again. Stands in for Npgsql's exceptions, which Orleans cannot carry back to the caller.
/// </summary>
[GenerateSerializer, Alias("engine.storage-unavailable.v1")]
public sealed class StorageUnavailableException : Exception
{
    /// <summary>Without a message.</summary>
    public StorageUnavailableException()
    {
    }

    /// <summary>With what failed.</summary>
    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>With what failed and why; the inner exception must be one Orleans can serialize.</summary>
    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
