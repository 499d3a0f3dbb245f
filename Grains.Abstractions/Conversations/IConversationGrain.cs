namespace Engine.Grains.Abstractions.Conversations;

/// <summary>
/// A lead on one channel. Key: "{tenant}/{e164}/{channel}", see <see cref="GrainKeys.Conversation"/>.
/// </summary>
[Alias("engine.conversation")]
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>Stores an inbound message once, then applies keywords, consent and auto-replies.</summary>
    [Alias("receive")]
    Task<InboundResult> ReceiveAsync(InboundMessage message);

    /// <summary>Checks consent, the WhatsApp window and quiet hours, then queues, schedules or refuses.</summary>
    [Alias("send")]
    Task<SendResult> SendAsync(OutboundRequest request);

    /// <summary>
    /// Like <see cref="SendAsync"/> for a playbook step, with the lead as its automation just read it
    /// (so this grain does not call back into the lead while the automation waits on it).
    /// </summary>
    [Alias("send-automated")]
    Task<SendResult> SendAutomatedAsync(OutboundRequest request, Leads.LeadSnapshot lead);

    /// <summary>
    /// Double opt-in: marks the lead's consent on this channel pending and sends the tenant's request to
    /// reply YES. Refused for a lead who opted out (only the person can resume) or is already opted in.
    /// </summary>
    [Alias("request-opt-in")]
    Task<SendResult> RequestOptInAsync(string? idempotencyKey);

    /// <summary>Moves an outbound message's status forward; stale or repeated reports change nothing.</summary>
    [Alias("apply-status")]
    Task<StatusResult> ApplyStatusAsync(StatusReport report);

    /// <summary>The recent window, the last inbound time and pending sends.</summary>
    [Alias("get"), ReadOnly]
    Task<ConversationSnapshot> GetAsync();

    /// <summary>Erasure: forgets this grain's stored state and reminders, then deactivates (see ILeadErasureGrain).</summary>
    [Alias("erase")]
    Task EraseAsync();
}
