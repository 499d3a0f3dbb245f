using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace Engine.Simulator;

/// <summary>Where and how the simulator reports WhatsApp statuses for one business number.</summary>
public sealed record MetaCallbackTarget(string WebhookUrl, string AppSecret);

/// <summary>
/// Stands in for Twilio's Messages API and Meta's WhatsApp Cloud API on this machine: same paths,
/// fields, ids, error bodies and signed status callbacks. The embedded engine uses it by default;
/// tests use it to inject failures and to see exactly what was sent and when.
/// </summary>
public sealed partial class ProviderSimulator(IHttpClientFactory httpClients, ILogger<ProviderSimulator> logger)
{
    /// <summary>The number of its pool a Messaging Service sends from: never the tenant's own number.</summary>
    public const string MessagingServiceNumber = "+15005550006";

    private readonly ConcurrentQueue<SimulatedMessage> _sent = new();
    private readonly ConcurrentDictionary<string, bool> _sentIds = new(StringComparer.Ordinal);
    private readonly List<SimulatedFault> _faults = [];
    private readonly ConcurrentDictionary<(string Provider, string To), int> _requests = new();
    private readonly Lock _gate = new();

    /// <summary>How long after accepting a message its "sent" and then "delivered" callbacks follow.</summary>
    public TimeSpan CallbackDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Whether WhatsApp statuses carry back their send's biz_opaque_callback_data, as Meta's do. Off, statuses
    /// name only Meta's message id, which reaches the engine's path for statuses it cannot match yet.
    /// </summary>
    public bool EchoesCallbackData { get; set; } = true;

    /// <summary>WhatsApp status callback targets by phone number id.</summary>
    public ConcurrentDictionary<string, MetaCallbackTarget> MetaCallbacks { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// WhatsApp user ids by number ("+1415…" → "US.1349…"): a send to such a number is answered with
    /// the user id in contacts[].user_id, as Meta does for users it knows one for.
    /// </summary>
    public ConcurrentDictionary<string, string> WhatsAppUserIds { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<SimulatedMessage> Sent => _sent.ToArray();

    /// <summary>Send requests a provider ("twilio" or "meta") received for a number, failed ones included.</summary>
    public int RequestsTo(string provider, string to) => _requests.GetValueOrDefault((provider, to));

    public void Inject(SimulatedFault fault)
    {
        lock (_gate)
        {
            _faults.Add(fault);
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _faults.Clear();
        }

        _sent.Clear();
        _sentIds.Clear();
        _requests.Clear();
        WhatsAppUserIds.Clear();
    }

    internal async Task<IResult> TwilioCreateAsync(string accountSid, HttpRequest request)
    {
        if (!TryBasicAuth(request, out var user, out var authToken) || user != accountSid)
        {
            return TwilioResources.Error(401, 20003, "Authenticate");
        }

        var form = await request.ReadFormAsync();
        _requests.AddOrUpdate(("twilio", form["To"].ToString()), 1, (_, n) => n + 1);
        var fault = NextFault("twilio", SimulatedFault.Send, form["To"].ToString());
        var sid = "SM" + Guid.NewGuid().ToString("N");
        var service = form["MessagingServiceSid"].ToString() is { Length: > 0 } serviceSid ? serviceSid : null;
        var message = new SimulatedMessage("twilio", sid, accountSid, form["From"].ToString() is { Length: > 0 } from ? from : MessagingServiceNumber,
            form["To"].ToString(), form["Body"].ToString(), null, DateTimeOffset.UtcNow, service, form["MediaUrl"].OfType<string>().ToArray());
        // Kept even when a fault answers: its statuses follow, as they would from Twilio.
        void Take()
        {
            if (Keep(message) && form["StatusCallback"].ToString() is { Length: > 0 } callback)
            {
                _ = ReportTwilioStatusesAsync(callback, authToken, message);
            }
        }

        if (await ApplyFaultAsync(fault, Take) is { } failed)
        {
            return failed.Status > 0 ? TwilioResources.Error(failed.Status, failed.Code ?? 20500, failed.Message ?? "Simulated failure") : Results.StatusCode(504);
        }

        if (form["To"].Count == 0 || form["To"].ToString().Length == 0)
        {
            return TwilioResources.Error(400, 21604, "A 'To' phone number is required.");
        }

        Take();
        return Results.Json(TwilioResources.Message(message, "queued"), statusCode: 201);
    }

    // Twilio's list: To, From and DateSent>= (a day, UTC) filters, newest first, pages linked by next_page_uri.
    internal async Task<IResult> TwilioListAsync(string accountSid, HttpRequest request)
    {
        var (to, from) = (request.Query["To"].ToString(), request.Query["From"].ToString());
        if (await ApplyFaultAsync(NextFault("twilio", SimulatedFault.List, to), () => { }) is { } failed)
        {
            return failed.Status > 0 ? TwilioResources.Error(failed.Status, failed.Code ?? 20500, failed.Message ?? "Simulated failure") : Results.StatusCode(504);
        }

        var sentSince = DateOnly.TryParse(request.Query["DateSent>"].ToString(), CultureInfo.InvariantCulture, out var day) ? day : DateOnly.MinValue;
        var pageSize = int.TryParse(request.Query["PageSize"], CultureInfo.InvariantCulture, out var size) ? Math.Clamp(size, 1, 1000) : 50;
        var page = int.TryParse(request.Query["Page"], CultureInfo.InvariantCulture, out var number) ? number : 0;
        var matches = _sent.Where(m => m.Provider == "twilio" && m.Account == accountSid
                && (to.Length == 0 || m.To == to) && (from.Length == 0 || m.From == from)
                && DateOnly.FromDateTime(m.ReceivedAt.UtcDateTime) >= sentSince)
            .OrderByDescending(m => m.ReceivedAt)
            .Skip(page * pageSize)
            .Take(pageSize + 1)
            .ToArray();
        var nextQuery = QueryHelpers.ParseQuery(request.QueryString.Value);
        nextQuery["Page"] = (page + 1).ToString(CultureInfo.InvariantCulture);
        var next = matches.Length > pageSize ? QueryHelpers.AddQueryString($"/2010-04-01/Accounts/{accountSid}/Messages.json", nextQuery) : null;
        return Results.Json(new { messages = matches.Take(pageSize).Select(m => TwilioResources.Message(m, "sent")).ToArray(), page, page_size = pageSize, next_page_uri = next });
    }

    internal async Task<IResult> MetaSendAsync(string phoneNumberId, HttpRequest request)
    {
        if (request.Headers.Authorization.ToString() is not { Length: > 7 } bearer || !bearer.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return MetaError(401, 190, "Invalid OAuth access token.");
        }

        // A number goes in "to" (digits, no '+'); a user known only by a user id comes in "recipient".
        var payload = await JsonNode.ParseAsync(request.Body);
        var number = payload?["to"]?.GetValue<string>();
        var recipient = number is null ? payload?["recipient"]?.GetValue<string>() : "+" + number;
        var type = payload?["type"]?.GetValue<string>();
        var isMedia = type is "image" or "video" or "audio" or "document";
        var link = isMedia ? payload?[type!]?["link"]?.GetValue<string>() : null;
        if (recipient is null || !(type is "text" or "template" || link is not null))
        {
            return MetaError(400, 100, "Invalid parameter");
        }

        _requests.AddOrUpdate(("meta", recipient), 1, (_, n) => n + 1);
        var fault = NextFault("meta", SimulatedFault.Send, recipient);
        var wamid = "wamid." + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=');
        var message = new SimulatedMessage("meta", wamid, phoneNumberId, phoneNumberId, recipient,
            isMedia ? payload?[type!]?["caption"]?.GetValue<string>() : payload?["text"]?["body"]?.GetValue<string>(),
            payload?["template"]?["name"]?.GetValue<string>(), DateTimeOffset.UtcNow, MediaUrls: link is null ? null : [link],
            MediaFilename: isMedia ? payload?[type!]?["filename"]?.GetValue<string>() : null);
        void Take()
        {
            if (Keep(message) && MetaCallbacks.TryGetValue(phoneNumberId, out var target))
            {
                _ = ReportMetaStatusesAsync(target, message, EchoesCallbackData ? payload?["biz_opaque_callback_data"]?.GetValue<string>() : null);
            }
        }

        if (await ApplyFaultAsync(fault, Take) is { } failed)
        {
            return failed.Status > 0 ? MetaError(failed.Status, failed.Code ?? 131000, failed.Message ?? "Something went wrong") : Results.StatusCode(504);
        }

        Take();

        var contact = number is null
            ? new JsonObject { ["input"] = recipient, ["user_id"] = recipient }
            : new JsonObject { ["input"] = number, ["wa_id"] = number };
        if (number is not null && WhatsAppUserIds.TryGetValue(recipient, out var userId))
        {
            contact["user_id"] = userId;
        }

        return Results.Json(new JsonObject { ["messaging_product"] = "whatsapp", ["contacts"] = new JsonArray(contact), ["messages"] = new JsonArray(new JsonObject { ["id"] = wamid }) });
    }

    private SimulatedFault? NextFault(string provider, string call, string to)
    {
        lock (_gate)
        {
            var index = _faults.FindIndex(f => (f.Provider == provider || f.Provider == "any") && f.Call == call && (f.To is null || f.To == to));
            if (index < 0)
            {
                return null;
            }

            var fault = _faults[index];
            if (fault.Times <= 1)
            {
                _faults.RemoveAt(index);
            }
            else
            {
                _faults[index] = fault with { Times = fault.Times - 1 };
            }

            return fault;
        }
    }

    // Latency first; then either an error answer, or (latency only) a normal answer the caller may no longer wait for.
    private static async Task<SimulatedFault?> ApplyFaultAsync(SimulatedFault? fault, Action keep)
    {
        if (fault is null)
        {
            return null;
        }

        if (fault.KeepMessage)
        {
            keep();
        }

        if (fault.LatencyMs > 0)
        {
            await Task.Delay(fault.LatencyMs);
        }

        return fault.Status > 0 || fault.KeepMessage ? fault : null;
    }

    // True the first time: a message is stored once, however many paths keep it.
    private bool Keep(SimulatedMessage message)
    {
        if (!_sentIds.TryAdd(message.Id, true))
        {
            return false;
        }

        _sent.Enqueue(message);
        return true;
    }

    private async Task ReportTwilioStatusesAsync(string callbackUrl, string authToken, SimulatedMessage message)
    {
        foreach (var status in new[] { "sent", "delivered" })
        {
            await Task.Delay(CallbackDelay);
            KeyValuePair<string, string>[] fields =
            [
                new("MessageSid", message.Id), new("SmsSid", message.Id), new("MessageStatus", status), new("SmsStatus", status),
                new("AccountSid", message.Account), new("From", message.From), new("To", message.To), new("ApiVersion", "2010-04-01"),
            ];
            using var callback = new HttpRequestMessage(HttpMethod.Post, callbackUrl) { Content = new FormUrlEncodedContent(fields) };
            callback.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(authToken, callbackUrl, fields));
            await PostAsync(callback);
        }
    }

    private async Task ReportMetaStatusesAsync(MetaCallbackTarget target, SimulatedMessage message, string? opaque)
    {
        foreach (var status in new[] { "sent", "delivered", "read" })
        {
            await Task.Delay(CallbackDelay);
            var statusObject = new JsonObject
            {
                ["id"] = message.Id,
                ["status"] = status,
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                ["recipient_id"] = message.To.TrimStart('+'), // a number's digits, or the user id sent to
            };
            if (opaque is not null)
            {
                statusObject["biz_opaque_callback_data"] = opaque;
            }

            var body = MetaNotifications.Build(message.Account, new JsonObject { ["statuses"] = new JsonArray(statusObject) });
            using var callback = new HttpRequestMessage(HttpMethod.Post, target.WebhookUrl) { Content = new ByteArrayContent(body) };
            callback.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            callback.Headers.Add("X-Hub-Signature-256", MetaSignature.Compute(target.AppSecret, body));
            await PostAsync(callback);
        }
    }

    private async Task PostAsync(HttpRequestMessage callback)
    {
        try
        {
            using var response = await httpClients.CreateClient(nameof(ProviderSimulator)).SendAsync(callback);
            if (!response.IsSuccessStatusCode)
            {
                LogCallbackRefused(logger, callback.RequestUri!.AbsolutePath, (int)response.StatusCode);
            }
        }
        catch (HttpRequestException e)
        {
            LogCallbackFailed(logger, callback.RequestUri!.AbsolutePath, e.Message);
        }
    }

    private static IResult MetaError(int status, int code, string message) => Results.Json(
        new { error = new { message, type = "OAuthException", code, error_data = new { messaging_product = "whatsapp", details = message }, fbtrace_id = "simulated" } },
        statusCode: status);

    private static bool TryBasicAuth(HttpRequest request, out string user, out string password)
    {
        (user, password) = ("", "");
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        (user, password) = colon < 0 ? (decoded, "") : (decoded[..colon], decoded[(colon + 1)..]);
        return colon > 0;
    }

    [LoggerMessage(EventId = 4002, EventName = "SimulatorCallbackFailed", Level = LogLevel.Warning,
        Message = "Simulated status callback to {Path} failed: {Reason}")]
    private static partial void LogCallbackFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4001, EventName = "SimulatorCallbackRefused", Level = LogLevel.Warning,
        Message = "Simulated status callback to {Path} was answered {StatusCode}")]
    private static partial void LogCallbackRefused(ILogger logger, string path, int statusCode);
}
