using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Engine.Grains.Storage;

/// <summary>
/// A grain's stored state, read the first time it is needed instead of on every activation. For a grain
/// whose state most activations never touch (a conversation's schedule: a new lead's first message does
/// not need it) that saves one database round trip per activation. The row is the one
/// <see cref="IPersistentState{TState}"/> would use: same provider, state name and grain id.
/// </summary>
public sealed class LazyGrainState<TState>(IServiceProvider services, GrainId grainId, string stateName) where TState : new()
{
    private readonly IGrainStorage _storage = services.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);
    private readonly GrainState<TState> _stored = new(new TState());
    private Task? _read;

    /// <summary>The state, read from storage on the first call; a failed read is tried again on the next.</summary>
    public async ValueTask<TState> GetAsync()
    {
        if (_read is not { IsCompletedSuccessfully: true })
        {
            _read = _read is { IsCompleted: false } reading ? reading : _storage.ReadStateAsync(stateName, grainId, _stored);
            await _read;
        }

        return _stored.State ??= new TState(); // no row: an empty state
    }

    public async Task WriteAsync()
    {
        await GetAsync(); // the stored ETag guards the write
        await _storage.WriteStateAsync(stateName, grainId, _stored);
    }

    /// <summary>Removes the row, if there is one, and starts again from an empty state.</summary>
    public async Task ClearAsync()
    {
        await GetAsync();
        if (_stored.RecordExists)
        {
            await _storage.ClearStateAsync(stateName, grainId, _stored);
        }

        _stored.State = new TState();
    }
}
