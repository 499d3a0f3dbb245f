namespace Engine.Grains.Delivery;

/// <summary>
/// The gateway's webhook routes, in one place because senders hand them to providers: Twilio posts
/// the status of a message to the callback URL sent with it.
/// </summary>
public static class WebhookRoutes
{
    /// <summary>Where every provider webhook lives.</summary>
    public const string Prefix = "/webhooks";

    /// <summary>Twilio inbound messages, below <see cref="Prefix"/>.</summary>
    public const string TwilioInbound = "/twilio/{tenant}";

    /// <summary>Twilio status callbacks, below <see cref="Prefix"/>.</summary>
    public const string TwilioStatus = "/twilio/{tenant}/status";

    /// <summary>Meta's verification and notifications, below <see cref="Prefix"/>.</summary>
    public const string WhatsApp = "/whatsapp/{tenant}";

    /// <summary>The public URL of a tenant's Twilio inbound webhook.</summary>
    public static string TwilioInboundUrl(string publicBaseUrl, string tenantId) =>
        publicBaseUrl.TrimEnd('/') + Prefix + TwilioInbound.Replace("{tenant}", tenantId, StringComparison.Ordinal);

    /// <summary>The public URL of a tenant's WhatsApp webhook.</summary>
    public static string WhatsAppUrl(string publicBaseUrl, string tenantId) =>
        publicBaseUrl.TrimEnd('/') + Prefix + WhatsApp.Replace("{tenant}", tenantId, StringComparison.Ordinal);

    /// <summary>The query parameter of a Twilio status callback URL that carries the engine's message id.</summary>
    public const string MessageIdParameter = "message_id";

    /// <summary>
    /// The public URL Twilio posts one message's statuses to. It names the engine's message id (Twilio signs
    /// the whole URL), so a status that beats the sender's record of Twilio's id still finds its message.
    /// </summary>
    public static string TwilioStatusUrl(string publicBaseUrl, string tenantId, Guid messageId) =>
        publicBaseUrl.TrimEnd('/') + Prefix + TwilioStatus.Replace("{tenant}", tenantId, StringComparison.Ordinal)
        + $"?{MessageIdParameter}={messageId:D}";
}
