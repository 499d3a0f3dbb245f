namespace Engine.Grains.Abstractions.Events;

/// <summary>The event types the engine emits, as they appear in CloudEvents' "type".</summary>
public static class EventTypes
{
    /// <summary>A lead was created.</summary>
    public const string LeadCreated = "lead.created";
    /// <summary>A lead's profile changed.</summary>
    public const string LeadUpdated = "lead.updated";
    /// <summary>A lead's consent changed on a channel.</summary>
    public const string ConsentChanged = "consent.changed";
    /// <summary>A lead sent a message.</summary>
    public const string MessageReceived = "message.received";
    /// <summary>An outbound message was accepted (queued or scheduled).</summary>
    public const string MessageQueued = "message.queued";
    /// <summary>The provider sent a message.</summary>
    public const string MessageSent = "message.sent";
    /// <summary>The handset confirmed a message.</summary>
    public const string MessageDelivered = "message.delivered";
    /// <summary>The lead read a message.</summary>
    public const string MessageRead = "message.read";
    /// <summary>A message failed or was not delivered.</summary>
    public const string MessageFailed = "message.failed";
    /// <summary>A scheduled message was withdrawn.</summary>
    public const string MessageCanceled = "message.canceled";
    /// <summary>An outbound message refused by the last check before hand-off.</summary>
    public const string MessageSuppressed = "message.suppressed";
    /// <summary>A playbook step fired.</summary>
    public const string AutomationStepFired = "automation.step_fired";
    /// <summary>A lead was erased on request; partners should erase their copy (see README "Data rights").</summary>
    public const string LeadErased = "lead.erased";

    /// <summary>Every type, for validating subscription filters.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        LeadCreated, LeadUpdated, ConsentChanged, MessageReceived, MessageQueued, MessageSent, MessageDelivered,
        MessageRead, MessageFailed, MessageCanceled, MessageSuppressed, AutomationStepFired, LeadErased,
    };
}

/// <summary>One published event: its tenant cursor, identity, type, subject, time and JSON data.</summary>
[GenerateSerializer, Immutable, Alias("engine.event.v1")]
public sealed record class EngineEvent(
    [property: Id(0)] long Cursor,
    [property: Id(1)] string EventId,
    [property: Id(2)] string TenantId,
    [property: Id(3)] string Type,
    [property: Id(4)] string Subject,
    [property: Id(5)] DateTimeOffset OccurredAt,
    [property: Id(6)] string DataJson);
