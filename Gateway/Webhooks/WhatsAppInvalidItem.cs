namespace Engine.Gateway.Webhooks;

/// <summary>An invalid message or status, and the business number its change was for (null when the change named none).</summary>
internal sealed record WhatsAppInvalidItem(string? PhoneNumberId, InvalidItem Item);
