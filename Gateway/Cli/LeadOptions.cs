using System.CommandLine;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>The options that name a tenant, a lead and a channel, shared by the commands that need them.</summary>
internal static class LeadOptions
{
    public static Option<string> Tenant() => new("--tenant", "-t") { Description = "Tenant id", Required = true };

    public static Option<string?> Phone() => new("--phone", "-p") { Description = "The lead's number, E.164 (+14155550123)" };

    public static Option<string?> WhatsAppUserId() => new("--whatsapp-user-id") { Description = "The lead's WhatsApp user id, for a lead without a number" };

    public static Option<string> Channel() => new("--channel", "-c") { Description = "sms or whatsapp", DefaultValueFactory = _ => "sms" };

    /// <summary>The channel flag's value as the API's enum.</summary>
    public static V1.Channel ChannelOf(ParseResult parsed, Option<string> channel) => CliOutput.Enum<V1.Channel>(parsed.GetValue(channel)!, "--channel");

    /// <summary>Exactly one of --phone and --whatsapp-user-id, as the API requires.</summary>
    public static (string Phone, string WhatsAppUserId) Lead(ParseResult parsed, Option<string?> phone, Option<string?> userId)
    {
        var (number, user) = (parsed.GetValue(phone) ?? "", parsed.GetValue(userId) ?? "");
        return (number.Length > 0) == (user.Length > 0)
            ? throw new CliInputException("name the lead with exactly one of --phone and --whatsapp-user-id")
            : (number, user);
    }
}
