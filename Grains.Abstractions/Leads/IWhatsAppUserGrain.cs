namespace Engine.Grains.Abstractions.Leads;

/// <summary>
/// A WhatsApp business-scoped user id (or parent id) and the lead it belongs to. Key:
/// "{tenant}/{user id}", see <see cref="GrainKeys.WhatsAppUser"/>. The first link is final, so every
/// webhook, send and API call that names the id reaches the same lead.
/// </summary>
[Alias("engine.whatsapp-user")]
public interface IWhatsAppUserGrain : IGrainWithStringKey
{
    /// <summary>The address of the lead this id belongs to, or null when it was never linked.</summary>
    [Alias("find-lead"), ReadOnly]
    Task<string?> FindLeadAsync();

    /// <summary>Links the id to <paramref name="leadAddress"/> unless it is linked already; returns the lead it belongs to.</summary>
    [Alias("link")]
    Task<string> LinkAsync(string leadAddress);

    /// <summary>Erasure: forgets this grain's stored state and reminders, then deactivates (see ILeadErasureGrain).</summary>
    [Alias("erase")]
    Task EraseAsync();
}
