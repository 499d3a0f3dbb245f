using Engine.Grains.Abstractions;
using Npgsql;

namespace Engine.Grains.Hosting;

/// <summary>
/// Turns a transient PostgreSQL failure (a restart, a dropped connection) inside a grain call into a
/// <see cref="StorageUnavailableException"/>. Npgsql's own exceptions have no Orleans codec: the caller
/// got a CodecNotFoundException, and the gateway answered 500 instead of "unavailable, retry".
/// </summary>
internal sealed class StorageFaultFilter : IIncomingGrainCallFilter
{
    // admin_shutdown, crash_shutdown, cannot_connect_now: what a restarting server answers.
    private static readonly HashSet<string> ShutdownStates = ["57P01", "57P02", "57P03"];

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (NpgsqlException e) when (e.IsTransient || e is PostgresException { SqlState: var state } && ShutdownStates.Contains(state))
        {
            // The message only: the Npgsql exception itself cannot cross the grain boundary.
            throw new StorageUnavailableException($"PostgreSQL is unavailable ({e.GetType().Name}: {e.Message})");
        }
    }
}
