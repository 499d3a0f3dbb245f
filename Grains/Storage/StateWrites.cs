namespace Engine.Grains.Storage;

/// <summary>Writes a grain makes after it has changed its state in memory.</summary>
internal static class StateWrites
{
    /// <summary>
    /// Runs <paramref name="write"/>; if it fails, the activation is ahead of what is stored, so it is
    /// deactivated and the next call gets one that reads what really was (a retry then redoes what is
    /// missing instead of taking it as done).
    /// </summary>
    public static async Task WriteOrDeactivateAsync(this IGrainBase grain, Func<Task> write)
    {
        try
        {
            await write();
        }
        catch
        {
            grain.GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "a state write failed"));
            throw;
        }
    }
}
