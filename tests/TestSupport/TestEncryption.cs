namespace Engine.TestSupport;

/// <summary>
/// The key-encryption key every test host gets (a PostgreSQL-backed host will not start without one):
/// settings as configuration keys, or as environment variables for processes.
/// </summary>
public static class TestEncryption
{
    public const string KeyId = "test1";

    /// <summary>32 fixed bytes in base64: a test key, never a real one.</summary>
    public static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    /// <summary>The settings, keyed "Engine:Encryption:...".</summary>
    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        [$"Engine:Encryption:Keys:{KeyId}"] = Key,
        ["Engine:Encryption:ActiveKeyId"] = KeyId,
    };

    /// <summary>The settings as environment variables ("Engine__Encryption__...").</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } =
        Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
}
