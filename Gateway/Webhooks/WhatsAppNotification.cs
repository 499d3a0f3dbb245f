namespace Engine.Gateway.Webhooks;

/// <summary>
/// Everything one notification POST carries: any number of entries, changes, messages and statuses,
/// and the items among them that cannot be used (each refused on its own, never the whole POST).
/// </summary>
internal sealed record WhatsAppNotification(
    IReadOnlyList<WhatsAppInbound> Messages, IReadOnlyList<WhatsAppStatus> Statuses, IReadOnlyList<WhatsAppInvalidItem> Invalid);
