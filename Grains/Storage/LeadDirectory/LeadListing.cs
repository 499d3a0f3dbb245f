using Engine.Grains.Abstractions.Consent;

namespace Engine.Grains.Storage.LeadDirectory;

/// <summary>
/// What a tenant's leads are listed and filtered by, one row a lead: the lead grain's state stays the
/// record (it is sealed in storage, so it cannot be queried); this is written after each of its writes.
/// </summary>
public sealed record LeadListing(
    string TenantId, string LeadPhone, DateTimeOffset CreatedAt, IReadOnlyList<string> Tags, string? Stage, ConsentStatus Sms, ConsentStatus WhatsApp);
