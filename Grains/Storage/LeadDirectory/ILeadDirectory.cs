using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.LeadDirectory;

/// <summary>A tenant's leads as a list to page through and filter: lead grains write it, ListLeads reads it.</summary>
public interface ILeadDirectory
{
    /// <summary>
    /// Stores the lead's row as it is now; writing the same row again changes nothing. An event given
    /// <paramref name="alongside"/> (a new lead's lead.created) is appended with it, once per event id.
    /// </summary>
    Task WriteAsync(LeadListing listing, EventDraft? alongside = null, CancellationToken cancellationToken = default);

    /// <summary>The leads that pass <paramref name="filter"/>, newest first, after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<LeadListing>> ListAsync(string tenantId, LeadFilter filter, LeadCursor? after, int limit, CancellationToken cancellationToken = default);
}
