namespace Engine.Grains.Abstractions;

/// <summary>
/// Builds and splits the string keys of the engine's grains. A tenant id never contains '/', and neither
/// does a lead address (an E.164 number or a WhatsApp user id, see <see cref="Leads.LeadAddress"/>), so
/// '/' separates the parts unambiguously.
/// </summary>
public static class GrainKeys
{
    /// <summary>Key of a lead grain: "{tenant}/{address}".</summary>
    public static string Lead(string tenantId, string address) => $"{tenantId}/{address}";

    /// <summary>Key of a conversation grain: "{tenant}/{address}/{channel}".</summary>
    public static string Conversation(string tenantId, string address, Channel channel) =>
        $"{tenantId}/{address}/{channel.ToWireName()}";

    /// <summary>Key of a WhatsApp user grain: "{tenant}/{business-scoped user id}".</summary>
    public static string WhatsAppUser(string tenantId, string userId) => $"{tenantId}/{userId}";

    /// <summary>Splits a lead key into tenant id and address.</summary>
    public static (string TenantId, string Address) ParseLead(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 2)
        {
            throw new FormatException($"'{key}' is not a lead key.");
        }

        return (parts[0], parts[1]);
    }

    /// <summary>Splits a conversation key into tenant id, address and channel.</summary>
    public static (string TenantId, string Address, Channel Channel) ParseConversation(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 3 || !ChannelNames.TryParse(parts[2], out var channel))
        {
            throw new FormatException($"'{key}' is not a conversation key.");
        }

        return (parts[0], parts[1], channel);
    }

    /// <summary>Key of a sender grain: "{tenant}/{channel}".</summary>
    public static string Sender(string tenantId, Channel channel) => $"{tenantId}/{channel.ToWireName()}";

    /// <summary>Splits a sender key into tenant id and channel.</summary>
    public static (string TenantId, Channel Channel) ParseSender(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 2 || !ChannelNames.TryParse(parts[1], out var channel))
        {
            throw new FormatException($"'{key}' is not a sender key.");
        }

        return (parts[0], channel);
    }

    /// <summary>Key of a partner webhook grain: "{tenant}/{subscription id}".</summary>
    public static string PartnerWebhook(string tenantId, string subscriptionId) => $"{tenantId}/{subscriptionId}";

    /// <summary>Splits a partner webhook key into tenant id and subscription id.</summary>
    public static (string TenantId, string SubscriptionId) ParsePartnerWebhook(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == key.Length - 1)
        {
            throw new FormatException($"'{key}' is not a partner webhook key.");
        }

        return (key[..slash], key[(slash + 1)..]);
    }
}
