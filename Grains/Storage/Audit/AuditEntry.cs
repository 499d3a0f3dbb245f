namespace Engine.Grains.Storage.Audit;

/// <summary>
/// One administrative action: who (<paramref name="ActorKeyId"/>: an API key id, or "platform-admin")
/// did what (<paramref name="Action"/>, one of <see cref="AuditActions"/>) to what
/// (<paramref name="Subject"/>: a key id, playbook id, phone number...). <paramref name="Details"/> is a
/// short note for people, never a secret or a message body.
/// </summary>
public sealed record AuditEntry(
    long Sequence, string TenantId, string ActorKeyId, string Action, string Subject, string? Details, DateTimeOffset OccurredAt);
