namespace Engine.Grains.Storage.Audit;

/// <summary>The actions the audit log records (its action column).</summary>
public static class AuditActions
{
    public const string TenantCreated = "tenant.created";
    public const string TenantSettingsChanged = "tenant.settings_changed";
    public const string ApiKeyCreated = "api_key.created";
    public const string ApiKeyRevoked = "api_key.revoked";
    public const string PlaybookPut = "playbook.put";
    public const string PlaybookDeleted = "playbook.deleted";
    public const string WebhookSubscribed = "webhook.subscribed";
    public const string WebhookUnsubscribed = "webhook.unsubscribed";
    public const string ConsentRecorded = "consent.recorded";
    public const string Exported = "data.exported";
    public const string Erased = "data.erased";
}
