using Engine.Grains.Options;
using System.Net;
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
            return new ProviderSendOutcome(ProviderErrors.IsTransient(response.StatusCode, code) ? HandOff.Transient : HandOff.Permanent, null, code ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), text);
        }
        catch (Exception e) when (e is TimeoutRejectedException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ProviderSendOutcome(HandOff.Unknown, ErrorMessage: "no answer within the attempt timeout");
        }
        catch (HttpRequestException e)
        {
            return new ProviderSendOutcome(e.HttpRequestError == HttpRequestError.ConnectionError ? HandOff.Transient : HandOff.Unknown, ErrorMessage: e.Message);
        }
    }

    // Twilio lists messages by To and From; one with our body created since the attempt is ours.
    public async Task<string?> FindSentAsync(TenantSettings tenant, ProviderSendRequest request, DateTimeOffset attemptedAt, CancellationToken cancellationToken)
    {
        var sms = tenant.Sms!;
        var query = $"To={Uri.EscapeDataString(request.To)}&From={Uri.EscapeDataString(sms.FromNumber)}&PageSize=50";
        using var message = new HttpRequestMessage(HttpMethod.Get, $"2010-04-01/Accounts/{sms.AccountSid}/Messages.json?{query}");
        message.Headers.Authorization = BasicAuth(sms);
        using var response = await http.SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return page.RootElement.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("body").GetString() == request.Body
                && DateTimeOffset.TryParse(m.GetProperty("date_created").GetString(), System.Globalization.CultureInfo.InvariantCulture, out var created)
                && created >= attemptedAt.AddSeconds(-5))
            .Select(m => m.GetProperty("sid").GetString())
            .FirstOrDefault();
    }

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
