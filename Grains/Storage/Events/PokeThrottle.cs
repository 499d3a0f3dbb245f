using System.Collections.Concurrent;

namespace Engine.Grains.Storage.Events;

/// <summary>
/// Passes at most one poke per key in each gap and never loses the last one: pokes inside the gap are
/// folded into a single poke sent when it ends. A burst of writes costs one publishing turn, and the
/// write that came last in the burst is still published within a gap, not at the next sweep.
/// </summary>
public sealed class PokeThrottle(TimeSpan gap, TimeProvider time, Action<string> poke)
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    public void Request(string key)
    {
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        TimeSpan wait;
        lock (slot)
        {
            if (slot.TrailingPokeDue)
            {
                return; // the poke already scheduled will cover this one
            }

            var now = time.GetUtcNow();
            wait = slot.LastPoke + gap - now;
            if (wait <= TimeSpan.Zero)
            {
                slot.LastPoke = now;
            }
            else
            {
                slot.TrailingPokeDue = true;
            }
        }

        if (wait <= TimeSpan.Zero)
        {
            poke(key);
        }
        else
        {
            _ = PokeLaterAsync(key, slot, wait);
        }
    }

    private async Task PokeLaterAsync(string key, Slot slot, TimeSpan wait)
    {
        await Task.Delay(wait, time);
        lock (slot)
        {
            slot.TrailingPokeDue = false;
            slot.LastPoke = time.GetUtcNow();
        }

        poke(key);
    }

    private sealed class Slot
    {
        public DateTimeOffset LastPoke { get; set; } = DateTimeOffset.MinValue;

        public bool TrailingPokeDue { get; set; }
    }
}
