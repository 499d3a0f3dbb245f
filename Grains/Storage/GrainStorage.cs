namespace Engine.Grains.Storage;

/// <summary>The grain storage provider every engine grain keeps its state in.</summary>
public static class GrainStorage
{
    /// <summary>Name of the provider; its rows are keyed by it, so it never changes.</summary>
    public const string Name = "engine";
}
