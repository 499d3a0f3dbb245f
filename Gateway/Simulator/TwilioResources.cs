using System.Globalization;

namespace Engine.Simulator;

/// <summary>Twilio's JSON shapes as the simulator answers with them: a Message resource and an error.</summary>
internal static class TwilioResources
{
    public static object Message(SimulatedMessage message, string status) => new
    {
        sid = message.Id,
        account_sid = message.Account,
        messaging_service_sid = message.MessagingServiceSid,
        from = message.From,
        to = message.To,
        body = message.Body,
        status,
        direction = "outbound-api",
        num_segments = "1",
        api_version = "2010-04-01",
        date_created = TwilioDate(message.ReceivedAt),
        date_sent = status == "queued" ? null : TwilioDate(message.ReceivedAt),
        uri = $"/2010-04-01/Accounts/{message.Account}/Messages/{message.Id}.json",
    };

    // RFC 2822, as Twilio writes it: "Wed, 02 Dec 2026 05:50:06 +0000".
    private static string TwilioDate(DateTimeOffset at) => at.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    public static IResult Error(int status, int code, string message) => Results.Json(
        new { code, message, more_info = $"https://www.twilio.com/docs/errors/{code}", status }, statusCode: status);
}
