using Engine.Grains.Options;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Engine.Grains.Abstractions.Tenants;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Engine.Grains.Delivery;

/// <summary>Twilio's Messages API: form POST with Basic auth, status callbacks to our webhook.</summary>
internal sealed class TwilioClient(HttpClient http, IOptions<EngineSettings> engine) : IProviderClient
{
    private const int LookupPageSize = 100;
    private const int MaxLookupPages = 10;

    // Twilio stamps date_created to the second, on its own clock.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    public bool CanConfirmSends => true;

    public async Task<ProviderSendOutcome> SendAsync(TenantSettings tenant, ProviderSendRequest request, CancellationToken cancellationToken)
    {
        var sms = tenant.Sms ?? throw new InvalidOperationException($"Tenant '{request.TenantId}' has no Twilio channel.");
        var fields = new List<KeyValuePair<string, string>>
        {
            new("To", request.To),
            sms.MessagingServiceSid is { } service ? new("MessagingServiceSid", service) : new("From", sms.FromNumber),
            new("Body", request.Body ?? ""),
        };
        fields.AddRange((request.Media ?? []).Select(m => new KeyValuePair<string, string>("MediaUrl", m.Url!)));
        if (engine.Value.PublicBaseUrl is { } publicBase)
        {
            fields.Add(new("StatusCallback", WebhookRoutes.TwilioStatusUrl(publicBase, request.TenantId, request.MessageId)));
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, $"2010-04-01/Accounts/{sms.AccountSid}/Messages.json")
        {
            Content = new FormUrlEncodedContent(fields),
        };
        message.Headers.Authorization = BasicAuth(sms);
        try
        {
            using var response = await http.SendAsync(message, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                using var created = JsonDocument.Parse(body);
                return new ProviderSendOutcome(HandOff.Accepted, created.RootElement.GetProperty("sid").GetString());
            }

            var (code, text) = ReadError(body);
            return new ProviderSendOutcome(ProviderErrors.OutcomeOf(response.StatusCode, code), null, code ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), text);
        }
        catch (Exception e) when (e is TimeoutRejectedException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ProviderSendOutcome(HandOff.Unknown, ErrorMessage: "no answer within the attempt timeout");
        }
        catch (HttpRequestException e)
        {
            return new ProviderSendOutcome(e.HttpRequestError == HttpRequestError.ConnectionError ? HandOff.Transient : HandOff.Unknown, ErrorMessage: e.Message);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // A success we cannot read still took the message.
            return new ProviderSendOutcome(HandOff.Unknown, ErrorMessage: $"unreadable answer: {e.Message}");
        }
    }

    // Twilio lists messages by To (and From), newest first; DateSent filters by day only, so the window is
    // also applied to date_created here. Every one with our body created since the attempt began may be
    // ours, so all are returned and the caller adopts one no other message holds. Through a Messaging
    // Service any of its numbers may have sent it: those are matched by the service's sid.
    public async Task<SentLookup> FindSentAsync(TenantSettings tenant, ProviderSendRequest request, DateTimeOffset attemptedAt, CancellationToken cancellationToken)
    {
        var sms = tenant.Sms!;
        var since = attemptedAt - ClockSkew;
        var query = $"To={Uri.EscapeDataString(request.To)}&DateSent%3E={since.UtcDateTime:yyyy-MM-dd}&PageSize={LookupPageSize}";
        if (sms.MessagingServiceSid is null)
        {
            query += $"&From={Uri.EscapeDataString(sms.FromNumber)}";
        }

        var candidates = new List<string>();
        string? pageUri = $"2010-04-01/Accounts/{sms.AccountSid}/Messages.json?{query}";
        for (var page = 0; pageUri is not null && page < MaxLookupPages; page++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, pageUri);
            message.Headers.Authorization = BasicAuth(sms);
            try
            {
                using var response = await http.SendAsync(message, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    return SentLookup.Unanswered($"the message list answered {(int)response.StatusCode}");
                }

                using var listed = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var reachedOlder = CollectMatches(listed.RootElement.GetProperty("messages"), sms, request.Body, since, candidates);
                pageUri = reachedOlder ? null : NextPage(listed.RootElement);
            }
            catch (Exception e) when (e is TimeoutRejectedException or HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
                || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return SentLookup.Unanswered(e.Message);
            }
        }

        if (pageUri is not null)
        {
            return SentLookup.Unanswered($"more than {MaxLookupPages} pages of messages to look through");
        }

        candidates.Reverse(); // oldest first
        return candidates.Count > 0 ? SentLookup.Found(candidates) : SentLookup.NotSent;
    }

    // Adds the sids of messages like ours created since the window began; says whether the page reached older ones.
    private static bool CollectMatches(JsonElement messages, SmsChannelSettings sms, string? body, DateTimeOffset since, List<string> candidates)
    {
        var reachedOlder = false;
        foreach (var listed in messages.EnumerateArray())
        {
            var created = DateTimeOffset.Parse(listed.GetProperty("date_created").GetString()!, CultureInfo.InvariantCulture);
            if (created < since)
            {
                reachedOlder = true;
                continue;
            }

            var fromUs = sms.MessagingServiceSid is { } service
                ? listed.TryGetProperty("messaging_service_sid", out var sid) && sid.GetString() == service
                : listed.GetProperty("from").GetString() == sms.FromNumber;
            if (fromUs && listed.GetProperty("body").GetString() == (body ?? ""))
            {
                candidates.Add(listed.GetProperty("sid").GetString()!);
            }
        }

        return reachedOlder;
    }

    // next_page_uri is rooted at the API's host; taken relative, it keeps a base address's path.
    private static string? NextPage(JsonElement page) =>
        page.TryGetProperty("next_page_uri", out var next) && next.GetString() is { Length: > 0 } uri ? uri.TrimStart('/') : null;

    private static AuthenticationHeaderValue BasicAuth(SmsChannelSettings sms) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sms.AccountSid}:{sms.AuthToken}")));

    private static (string? Code, string? Message) ReadError(string body)
    {
        try
        {
            using var error = JsonDocument.Parse(body);
            var root = error.RootElement;
            return (root.TryGetProperty("code", out var code) ? code.ToString() : null,
                    root.TryGetProperty("message", out var text) ? text.GetString() : null);
        }
        catch (JsonException)
        {
            return (null, body.Length > 200 ? body[..200] : body);
        }
    }
}
