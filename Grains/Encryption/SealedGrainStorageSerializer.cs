using Orleans.Storage;

namespace Engine.Grains.Encryption;

/// <summary>
/// Grain state is sealed as a whole (tenant secrets, partner webhook secrets, lead names and tags,
/// queued messages) before it reaches the storage provider. State written before encryption existed
/// has no seal and is read as it is; its next write seals it.
/// </summary>
internal sealed class SealedGrainStorageSerializer(IGrainStorageSerializer inner, DataKeys keys) : IGrainStorageSerializer
{
    private static ReadOnlySpan<byte> Purpose => "grain-state"u8;

    public BinaryData Serialize<T>(T? input) => new(SealedBox.Seal(Key(), inner.Serialize(input).ToMemory().Span, Purpose));

    public T? Deserialize<T>(BinaryData input) =>
        SealedBox.IsSealed(input.ToMemory().Span)
            ? inner.Deserialize<T>(new BinaryData(SealedBox.Open(Key(), input.ToMemory().Span, Purpose)))
            : inner.Deserialize<T>(input);

    // Loaded before the silo starts (PostgresStartup), so this waits only if a host skipped that step.
    private byte[] Key()
    {
        var key = keys.GetAsync(DataKeys.GrainStateScope);
        return key.IsCompletedSuccessfully ? key.Result : key.GetAwaiter().GetResult();
    }
}
