using System.Diagnostics;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Policies;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.Outbox;
using Engine.Grains.Telemetry;

namespace Engine.Grains.Delivery;

/// <summary>What the last check let through, what waits and for how long, and what it suppressed for good.</summary>
internal sealed record HandOffScreening(
    List<QueuedMessage> Cleared, List<(QueuedMessage Message, TimeSpan Delay)> Deferred, List<(Guid MessageId, string Reason)> Suppressed);

/// <summary>
/// The last check before messages leave, against each lead as it is now (consent, quiet hours, the
/// WhatsApp window): one grain call per lead, since a batch holds one message per conversation, and one
/// query for the leads whose window matters. Refused messages are recorded as suppressed.
/// </summary>
internal sealed partial class HandOffCheck(
    IGrainFactory grains, IConversationLog conversationLog, IOutbox outbox, EngineMetrics metrics, ILogger<HandOffCheck> logger)
{
    public async Task<HandOffScreening> CheckAsync(
        string tenantId, Channel channel, TenantSettings tenant, IReadOnlyList<QueuedMessage> batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var leads = (await Task.WhenAll(batch.Select(m => grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, m.LeadPhone)).GetAsync())))
            .ToDictionary(lead => lead.Address, StringComparer.Ordinal);
        var needingWindow = batch.Where(m => HandOffPolicy.NeedsLastInbound(m.Template is not null, channel, leads[m.LeadPhone])).Select(m => m.LeadPhone).ToArray();
        var lastInbound = needingWindow.Length == 0
            ? new Dictionary<string, DateTimeOffset>()
            : await conversationLog.LastInboundAtAsync(tenantId, channel, needingWindow, cancellationToken);

        var screening = new HandOffScreening(new List<QueuedMessage>(batch.Count), [], []);
        foreach (var message in batch)
        {
            var inbound = lastInbound.TryGetValue(message.LeadPhone, out var at) ? at : (DateTimeOffset?)null;
            var decision = HandOffPolicy.Decide(message.Purpose, message.Template is not null, channel, leads[message.LeadPhone], inbound, tenant, now);
            switch (decision.Verdict)
            {
                case HandOffVerdict.Send:
                    screening.Cleared.Add(message);
                    break;
                case HandOffVerdict.Suppress:
                    screening.Suppressed.Add((message.MessageId, decision.Reason!));
                    metrics.Suppressed(channel, decision.Reason!);
                    LogSuppressed(logger, message.MessageId, decision.Reason!);
                    break;
                default:
                    screening.Deferred.Add((message, decision.NotBefore!.Value - now));
                    break;
            }
        }

        await outbox.RecordSuppressedAsync(screening.Suppressed, cancellationToken);
        metrics.HandOffChecked(channel, Stopwatch.GetElapsedTime(started));
        return screening;
    }

    [LoggerMessage(EventId = 2204, EventName = "SendSuppressed", Level = LogLevel.Information,
        Message = "Message {MessageId} suppressed at hand-off: {Reason}")]
    private static partial void LogSuppressed(ILogger logger, Guid messageId, string reason);
}
