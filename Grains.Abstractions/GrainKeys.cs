namespace Engine.Grains.Abstractions;

/// <summary>
/// Builds and splits the string keys of the engine's grains. A tenant id never contains '/', and an
/// E.164 number never does either, so '/' separates the parts unambiguously.
/// </summary>
public static class GrainKeys
{
    /// <summary>Key of a lead grain: "{tenant}/{e164}".</summary>
    public static string Lead(string tenantId, string e164) => $"{tenantId}/{e164}";

    /// <summary>Key of a conversation grain: "{tenant}/{e164}/{channel}".</summary>
    public static string Conversation(string tenantId, string e164, Channel channel) =>
        $"{tenantId}/{e164}/{channel.ToWireName()}";

    /// <summary>Splits a lead key into tenant id and number.</summary>
    public static (string TenantId, string Phone) ParseLead(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 2)
        {
            throw new FormatException($"'{key}' is not a lead key.");
        }

        return (parts[0], parts[1]);
    }

    /// <summary>Splits a conversation key into tenant id, number and channel.</summary>
    public static (string TenantId, string Phone, Channel Channel) ParseConversation(string key)
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
}
