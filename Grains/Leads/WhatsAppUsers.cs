using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Leads;

namespace Engine.Grains.Leads;

/// <summary>
/// Finds the lead a WhatsApp identity belongs to. A lead is keyed by the first address the engine saw
/// for the person: their number, or their user id when they came without one. Every user id seen with
/// it is linked to that lead, so a later item carrying the number, the user id or the parent id reaches
/// the same lead and conversation. Items that carry only a phone number need no look-up.
/// </summary>
public static class WhatsAppUsers
{
    /// <summary>The address of the lead for <paramref name="identity"/>, linking its user ids to it.</summary>
    public static async Task<string> ResolveAsync(IGrainFactory grains, string tenantId, LeadIdentity identity)
    {
        string[] userIds = [.. new[] { identity.WhatsAppUserId, identity.WhatsAppParentUserId }.OfType<string>()];
        if (userIds.Length == 0)
        {
            return identity.PhoneNumber ?? throw new ArgumentException("a WhatsApp identity needs a number or a user id", nameof(identity));
        }

        var users = userIds.Select(id => grains.GetGrain<IWhatsAppUserGrain>(GrainKeys.WhatsAppUser(tenantId, id))).ToArray();
        var linked = await Task.WhenAll(users.Select(user => user.FindLeadAsync()));
        var address = linked.FirstOrDefault(a => a is not null) ?? identity.PhoneNumber ?? userIds[0];
        for (var i = 0; i < users.Length; i++)
        {
            if (linked[i] is null)
            {
                // Two first sightings racing: the first link wins, and both requests follow it.
                var winner = await users[i].LinkAsync(address);
                address = i == 0 ? winner : address;
            }
        }

        return address;
    }

    /// <summary>Links user ids that send responses named to the leads (by number) they were sent to.</summary>
    public static async Task LearnAsync(IGrainFactory grains, string tenantId, IReadOnlyCollection<(string LeadAddress, string UserId)> learned)
    {
        foreach (var (leadAddress, userId) in learned.Distinct())
        {
            var linked = await grains.GetGrain<IWhatsAppUserGrain>(GrainKeys.WhatsAppUser(tenantId, userId)).LinkAsync(leadAddress);
            if (linked == leadAddress)
            {
                await grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, leadAddress)).UpsertAsync(new LeadProfilePatch(Identity: new LeadIdentity(WhatsAppUserId: userId)));
            }
        }
    }
}
