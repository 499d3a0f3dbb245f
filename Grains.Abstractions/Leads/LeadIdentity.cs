namespace Engine.Grains.Abstractions.Leads;

/// <summary>
/// How a provider knows a lead: the phone number (when known), the WhatsApp business-scoped user id
/// and its enterprise-scoped parent id, and the WhatsApp username. Null members are unknown.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.lead-identity.v1")]
public sealed record class LeadIdentity(
    [property: Id(0)] string? PhoneNumber = null,
    [property: Id(1)] string? WhatsAppUserId = null,
    [property: Id(2)] string? WhatsAppParentUserId = null,
    [property: Id(3)] string? Username = null)
{
    /// <summary>Nothing known.</summary>
    public static LeadIdentity None { get; } = new();

    /// <summary>This identity with the members <paramref name="learned"/> knows filled in or updated.</summary>
    public LeadIdentity Merge(LeadIdentity? learned) => learned is null ? this : new(
        PhoneNumber ?? learned.PhoneNumber,
        learned.WhatsAppUserId ?? WhatsAppUserId,
        learned.WhatsAppParentUserId ?? WhatsAppParentUserId,
        learned.Username ?? Username);
}
