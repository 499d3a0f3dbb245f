using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Policies;

namespace Engine.Grains.Conversations;

// What an inbound keyword does: STOP and its kin record the opt-out (which cancels what waits) before
// the confirmation; START/YES reverse the person's own opt-out or confirm a pending request; HELP answers.
internal sealed partial class ConversationGrain
{
    private async Task<IReadOnlyList<Guid>> OptOutAsync(Guid messageId, InboundMessage message, KeywordMatch match, TenantSettings tenant, bool confirm)
    {
        var before = (await Lead.GetAsync()).ConsentOn(_channel);
        var keyword = message.ProviderKeyword is not null ? "provider opt-out keyword" : match.Keyword ?? "revocation phrase";
        await Lead.RecordConsentAsync(ConsentChanges.KeywordOptOut(messageId, _channel, Evidence(messageId, message, keyword), tenant, message.ReceivedAt));

        // Waiting messages are canceled by now. Someone already opted out gets no second confirmation.
        return before == ConsentStatus.OptedOut || !confirm
            ? []
            : await ReplyAsync(messageId, tenant.KeywordReplies.StopConfirmation, OutboundPurpose.OptOutConfirmation, "stop");
    }

    // An opt-in keyword reverses the person's own opt-out, or confirms a pending double opt-in. From a
    // lead with no consent it is an ordinary message: "yes" to a question is not consent. "Y" counts only
    // as the answer to a pending request.
    private async Task<(bool Handled, IReadOnlyList<Guid> Replies)> OptInAsync(
        Guid messageId, InboundMessage message, KeywordMatch match, TenantSettings tenant, bool confirm)
    {
        var current = (await Lead.GetAsync()).ConsentRecordOn(_channel);
        var confirmsRequest = ConsentPolicy.ConfirmsPendingOptIn(current, message.ReceivedAt, tenant.Consent.OptInConfirmationWindow);
        var reversesOptOut = current?.Status == ConsentStatus.OptedOut && (match.Keyword != "Y" || message.ProviderKeyword is not null);
        if (!confirmsRequest && !reversesOptOut)
        {
            return (false, []);
        }

        var keyword = match.Keyword ?? "provider opt-in keyword";
        var evidence = confirmsRequest
            ? $"{Evidence(messageId, message, keyword)} confirming the request: {current!.Evidence}"
            : Evidence(messageId, message, keyword);
        await Lead.RecordConsentAsync(new ConsentChange($"inbound/{messageId}", _channel, ConsentStatus.OptedIn, ConsentSource.Keyword, evidence, message.ReceivedAt));
        return (true, confirm ? await ReplyAsync(messageId, tenant.KeywordReplies.StartConfirmation, OutboundPurpose.OptInConfirmation, "start") : []);
    }

    private async Task<IReadOnlyList<Guid>> ReplyAsync(Guid inboundId, string body, OutboundPurpose purpose, string kind)
    {
        var result = await SendAsync(new OutboundRequest($"{kind}-reply/{inboundId}", body, null, null, purpose));
        return result.Disposition == SendDisposition.Rejected ? [] : [result.MessageId];
    }

    private static string Evidence(Guid messageId, InboundMessage message, string keyword) =>
        $"inbound {message.Provider.ToWireName()} message {message.ProviderMessageId} ({messageId}): {keyword}";
}
