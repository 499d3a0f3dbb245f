using Engine.Grains.Options;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Engine.Grains.Delivery;

/// <summary>Meta's WhatsApp Cloud API: POST /{version}/{phone-number-id}/messages with a Bearer token.</summary>
internal sealed class WhatsAppClient(HttpClient http, IOptions<ProviderSettings> providers) : IProviderClient
{
    public bool CanConfirmSends => false;

    public async Task<ProviderSendOutcome> SendAsync(TenantSettings tenant, ProviderSendRequest request, CancellationToken cancellationToken)
    {
        var whatsApp = tenant.WhatsApp ?? throw new InvalidOperationException($"Tenant '{request.TenantId}' has no WhatsApp channel.");
        var payload = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            // Echoed in status webhooks, tying a status to our message even before we know the wamid.
            ["biz_opaque_callback_data"] = request.MessageId.ToString(),
        };
        // A number goes in "to"; a user known only by a business-scoped user id is reached by "recipient".
        if (LeadAddress.IsPhoneNumber(request.To))
        {
            payload["to"] = request.To.TrimStart('+');
        }
        else
        {
            payload["recipient"] = request.To;
        }

        if (request.Template is { } template)
        {
            payload["type"] = "template";
            payload["template"] = new JsonObject
            {
                ["name"] = template.Name,
                ["language"] = new JsonObject { ["code"] = template.Language, ["policy"] = "deterministic" },
                ["components"] = new JsonArray(new JsonObject
                {
                    ["type"] = "body",
                    ["parameters"] = new JsonArray(template.Parameters.Select(p => (JsonNode)new JsonObject { ["type"] = "text", ["text"] = p }).ToArray()),
                }),
            };
        }
        else if (request.Media is [var media])
        {
            // Meta fetches the file from the link; the body rides along as its caption.
            var type = OutboundMedia.WhatsAppType(media.ContentType!);
            payload["type"] = type;
            payload[type] = new JsonObject { ["link"] = media.Url };
            if (request.Body is { Length: > 0 } caption && OutboundMedia.WhatsAppTakesCaption(type))
            {
                payload[type]!["caption"] = caption;
            }

            if (media.Filename is { } filename && type == OutboundMedia.WhatsAppNamedType)
            {
                payload[type]!["filename"] = filename;
            }
        }
        else
        {
            payload["type"] = "text";
            payload["text"] = new JsonObject { ["preview_url"] = false, ["body"] = request.Body };
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, $"{providers.Value.WhatsApp.ApiVersion}/{whatsApp.PhoneNumberId}/messages")
        {
            Content = JsonContent.Create(payload),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", whatsApp.AccessToken);
        try
        {
            using var response = await http.SendAsync(message, cancellationToken);
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                using var body = JsonDocument.Parse(answer);
                return new ProviderSendOutcome(
                    HandOff.Accepted, body.RootElement.GetProperty("messages")[0].GetProperty("id").GetString(), RecipientUserId: RecipientUserId(body.RootElement));
            }

            var (code, text) = ReadError(answer);
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
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            // A success we cannot read still took the message.
            return new ProviderSendOutcome(HandOff.Unknown, ErrorMessage: $"unreadable answer: {e.Message}");
        }
    }

    // An error body that is not Meta's JSON (a proxy's page) still has its status to go by.
    private static (string? Code, string? Message) ReadError(string answer)
    {
        try
        {
            using var body = JsonDocument.Parse(answer);
            var error = body.RootElement.TryGetProperty("error", out var e) ? e : default;
            return error.ValueKind == JsonValueKind.Object
                ? (error.TryGetProperty("code", out var c) ? c.ToString() : null, error.TryGetProperty("message", out var m) ? m.GetString() : null)
                : (null, null);
        }
        catch (JsonException)
        {
            return (null, answer.Length > 200 ? answer[..200] : answer);
        }
    }

    private static string? RecipientUserId(JsonElement answer) =>
        answer.TryGetProperty("contacts", out var contacts) && contacts.ValueKind == JsonValueKind.Array && contacts.GetArrayLength() > 0
            && contacts[0].ValueKind == JsonValueKind.Object && contacts[0].TryGetProperty("user_id", out var userId)
            && userId.ValueKind == JsonValueKind.String && LeadAddress.IsWhatsAppUserId(userId.GetString())
            ? userId.GetString()
            : null;

    // The Cloud API cannot list sent messages, so an unknown outcome (a timeout or a 5xx) cannot be
    // checked: the sender fails it as unknown_outcome rather than risk a duplicate, and never asks here.
    public Task<SentLookup> FindSentAsync(TenantSettings tenant, ProviderSendRequest request, DateTimeOffset attemptedAt, CancellationToken cancellationToken) =>
        Task.FromResult(SentLookup.Unanswered("the Cloud API cannot list sent messages"));
}
