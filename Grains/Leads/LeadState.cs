using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Leads;

namespace Engine.Grains.Leads;

/// <summary>Stored state of a lead grain (state name "lead").</summary>
[GenerateSerializer, Alias("engine.lead-state.v1")]
public sealed class LeadState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public LeadProfile Profile { get; set; } = LeadProfile.Empty;
    [Id(2)] public Dictionary<Channel, ConsentRecord> Consent { get; set; } = [];
    [Id(3)] public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>Recent consent change ids, so a replayed change is recognised without a ledger read.</summary>
    [Id(4)] public List<string> RecentChangeIds { get; set; } = [];

    /// <summary>What each recent change said (its fingerprint), so a reused id with other content is refused.</summary>
    [Id(5)] public Dictionary<string, string> ChangeFingerprints { get; set; } = [];

    /// <summary>What providers call the person besides the key: number, WhatsApp user ids, username.</summary>
    [Id(6)] public LeadIdentity Identity { get; set; } = LeadIdentity.None;

    /// <summary>
    /// Stored with the new lead and cleared once its lead-created playbooks have started, so a call that
    /// fails in between (the automation grain's silo died) starts them when it is retried.
    /// </summary>
    [Id(7)] public bool CreationPending { get; set; }
}
