namespace Engine.Grains.Leads;

/// <summary>Stored state of a WhatsApp user grain (state name "whatsapp-user").</summary>
[GenerateSerializer, Alias("engine.whatsapp-user-state.v1")]
public sealed class WhatsAppUserState
{
    /// <summary>The address of the lead the id belongs to; set once.</summary>
    [Id(0)] public string? LeadAddress { get; set; }
}
