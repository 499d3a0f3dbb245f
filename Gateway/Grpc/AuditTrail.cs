using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Storage.Audit;

namespace Engine.Gateway.Grpc;

/// <summary>
/// Writes an administrative action to the audit log, as done by the call's authenticated key. Called
/// after the action succeeded; never with secrets or message bodies.
/// </summary>
internal sealed class AuditTrail(IAuditLog log)
{
    // Not the call's token: the action happened, so its entry is written even if the client went away.
    public Task RecordAsync(ServerCallContext context, string tenantId, string action, string subject, string? details = null) =>
        log.AppendAsync(tenantId, CallerAuthentication.CallerOf(context).KeyId, action, subject, details, CancellationToken.None);

    /// <summary>Which parts of a tenant's settings differ, by name ("sms, quiet_hours"); values never appear.</summary>
    public static string ChangedSettings(TenantSettings? before, TenantSettings after)
    {
        var parts = new (string Name, object? Before, object? After)[]
        {
            ("display_name", before?.DisplayName, after.DisplayName),
            ("sms", before?.Sms, after.Sms),
            ("whatsapp", before?.WhatsApp, after.WhatsApp),
            ("quiet_hours", before?.QuietHours, after.QuietHours),
            ("default_time_zone", before?.DefaultTimeZone, after.DefaultTimeZone),
            ("rate_limits", before?.RateLimits, after.RateLimits),
            ("keyword_replies", before?.KeywordReplies, after.KeywordReplies),
            ("consent_rules", before?.Consent, after.Consent),
            ("business_hours", Days(before?.OpeningHours()), Days(after.OpeningHours())),
        };
        var changed = parts.Where(p => !Equals(p.Before, p.After)).Select(p => p.Name).ToArray();
        return changed.Length == 0 ? "nothing changed" : "changed: " + string.Join(", ", changed);
    }

    // Business hours hold a list, which record equality compares by reference.
    private static string? Days(BusinessHoursSettings? hours) => hours is null ? null : $"{hours.OpensAt}-{hours.ClosesAt} {string.Join(',', hours.Days)}";
}
