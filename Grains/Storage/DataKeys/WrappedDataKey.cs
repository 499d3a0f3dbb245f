namespace Engine.Grains.Storage.DataKeys;

/// <summary>A data key as stored: sealed by the key-encryption key <paramref name="KekId"/>, for one scope.</summary>
public sealed record WrappedDataKey(string Scope, string KekId, byte[] Wrapped);
