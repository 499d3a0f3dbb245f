using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Storage.Audit;
using Google.Protobuf.WellKnownTypes;

namespace Engine.Gateway.Grpc;

/// <summary>Tenant messages between protobuf and the grain contract.</summary>
internal static class TenantMapping
{
    public static V1.Tenant ToProto(TenantSnapshot tenant) => new()
    {
        TenantId = tenant.TenantId,
        Settings = ToProto(tenant.Settings!),
        CreatedAt = tenant.CreatedAt is { } created ? Timestamp.FromDateTimeOffset(created) : null,
        ApiKeys = { tenant.ApiKeys.Select(ToProto) },
    };

    public static V1.ApiKey ToProto(ApiKeyInfo key) => new()
    {
        KeyId = key.KeyId,
        Name = key.Name,
        Roles =
        {
            new[] { (ApiKeyRoles.Admin, V1.ApiKeyRole.Admin), (ApiKeyRoles.Messaging, V1.ApiKeyRole.Messaging), (ApiKeyRoles.EventsRead, V1.ApiKeyRole.EventsRead) }
                .Where(r => key.Roles.HasFlag(r.Item1)).Select(r => r.Item2)
        },
        CreatedAt = Timestamp.FromDateTimeOffset(key.CreatedAt),
        RevokedAt = key.RevokedAt is { } revoked ? Timestamp.FromDateTimeOffset(revoked) : null,
        ExpiresAt = key.ExpiresAt is { } expires ? Timestamp.FromDateTimeOffset(expires) : null,
        LastUsedAt = key.LastUsedAt is { } used ? Timestamp.FromDateTimeOffset(used) : null,
    };

    public static V1.AuditEntry ToProto(AuditEntry entry) => new()
    {
        ActorKeyId = entry.ActorKeyId,
        Action = entry.Action,
        Subject = entry.Subject,
        Details = entry.Details ?? "",
        OccurredAt = Timestamp.FromDateTimeOffset(entry.OccurredAt),
    };

    // Secrets (auth token, access token, app secret, verify token) are write-only and left out.
    private static V1.TenantSettings ToProto(TenantSettings settings) => new()
    {
        DisplayName = settings.DisplayName,
        Sms = settings.Sms is { } sms ? new V1.SmsChannel
        {
            AccountSid = sms.AccountSid,
            FromNumber = sms.FromNumber,
            MessagingServiceSid = sms.MessagingServiceSid ?? "",
            SenderKind = (V1.SenderKind)((int)sms.SenderKind + 1),
        } : null,
        Whatsapp = settings.WhatsApp is { } wa ? new V1.WhatsAppChannel { PhoneNumberId = wa.PhoneNumberId } : null,
        QuietHours = new V1.QuietHours
        {
            Enabled = settings.QuietHours.Enabled,
            AllowedFrom = Duration.FromTimeSpan(settings.QuietHours.AllowedFrom),
            AllowedUntil = Duration.FromTimeSpan(settings.QuietHours.AllowedUntil),
        },
        DefaultTimeZone = settings.DefaultTimeZone,
        BusinessHours = new V1.BusinessHours
        {
            OpensAt = Duration.FromTimeSpan(settings.OpeningHours().OpensAt),
            ClosesAt = Duration.FromTimeSpan(settings.OpeningHours().ClosesAt),
            Days = { settings.OpeningHours().Days.Select(d => (V1.Weekday)(d == DayOfWeek.Sunday ? 7 : (int)d)) },
        },
        RateLimits = new V1.RateLimits
        {
            SmsSegmentsPerSecond = settings.RateLimits.SmsSegmentsPerSecond ?? 0,
            WhatsappMessagesPerSecond = settings.RateLimits.WhatsAppMessagesPerSecond ?? 0,
            DailyMessageCap = settings.RateLimits.DailyMessageCap,
        },
        KeywordReplies = new V1.KeywordReplies
        {
            StopConfirmation = settings.KeywordReplies.StopConfirmation,
            StartConfirmation = settings.KeywordReplies.StartConfirmation,
            HelpReply = settings.KeywordReplies.HelpReply,
            TreatRevocationPhrasesAsOptOut = settings.KeywordReplies.TreatRevocationPhrasesAsOptOut,
            OptOutScope = (V1.OptOutScope)((int)settings.KeywordReplies.OptOutScope + 1),
        },
        Retention = new V1.Retention
        {
            MessageBodyDays = (settings.Retention ?? RetentionSettings.KeepForever).MessageBodyDays,
            MessageDays = (settings.Retention ?? RetentionSettings.KeepForever).MessageDays,
        },
        ConsentRules = new V1.ConsentRules
        {
            ReplyWindow = Duration.FromTimeSpan(settings.Consent.ReplyWindow),
            OptInRequestText = settings.Consent.OptInRequestText,
            OptInConfirmationWindow = Duration.FromTimeSpan(settings.Consent.OptInConfirmationWindow),
            MarketingOptOutCoversAllChannels = settings.Consent.MarketingOptOutCoversAllChannels,
        },
    };

    /// <summary>
    /// Validated settings from a request. Missing parts take defaults; empty secrets keep the values
    /// of <paramref name="current"/> so a client can update settings without resending secrets.
    /// </summary>
    public static TenantSettings FromProto(V1.TenantSettings? proto, TenantSettings? current)
    {
        if (proto is null || string.IsNullOrWhiteSpace(proto.DisplayName))
        {
            RpcErrors.InvalidArgument("settings.display_name", "is required");
        }

        var defaults = TenantSettings.Defaults(proto.DisplayName);
        var zone = string.IsNullOrWhiteSpace(proto.DefaultTimeZone) ? defaults.DefaultTimeZone : proto.DefaultTimeZone;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            RpcErrors.InvalidArgument("settings.default_time_zone", $"'{zone}' is not a known IANA time zone");
        }

        return new TenantSettings(
            proto.DisplayName,
            SmsFrom(proto.Sms, current?.Sms),
            WhatsAppFrom(proto.Whatsapp, current?.WhatsApp),
            QuietHoursFrom(proto.QuietHours) ?? defaults.QuietHours,
            zone,
            RateLimitsFrom(proto.RateLimits) ?? defaults.RateLimits,
            KeywordRepliesFrom(proto.KeywordReplies, defaults.KeywordReplies),
            ConsentRulesFrom(proto.ConsentRules, defaults.Consent),
            BusinessHoursFrom(proto.BusinessHours) ?? defaults.BusinessHours,
            RetentionFrom(proto.Retention));
    }

    // Ten years at most: a typo of a few extra digits should be an error, not "forever" in disguise.
    private const int MaxRetentionDays = 3650;

    private static RetentionSettings? RetentionFrom(V1.Retention? retention)
    {
        if (retention is null || (retention.MessageBodyDays == 0 && retention.MessageDays == 0))
        {
            return null;
        }

        foreach (var (field, value) in new[] { ("message_body_days", retention.MessageBodyDays), ("message_days", retention.MessageDays) })
        {
            if (value is < 0 or > MaxRetentionDays)
            {
                RpcErrors.InvalidArgument($"settings.retention.{field}", $"must be between 0 (keep forever) and {MaxRetentionDays} days");
            }
        }

        if (retention is { MessageBodyDays: > 0, MessageDays: > 0 } && retention.MessageBodyDays > retention.MessageDays)
        {
            RpcErrors.InvalidArgument("settings.retention.message_body_days",
                $"{retention.MessageBodyDays} days is longer than message_days ({retention.MessageDays}); a body cannot outlive its message");
        }

        return new RetentionSettings(retention.MessageBodyDays, retention.MessageDays);
    }

    private static BusinessHoursSettings? BusinessHoursFrom(V1.BusinessHours? hours)
    {
        if (hours is null)
        {
            return null;
        }

        var opens = hours.OpensAt?.ToTimeSpan() ?? BusinessHoursSettings.Default.OpensAt;
        var closes = hours.ClosesAt?.ToTimeSpan() ?? BusinessHoursSettings.Default.ClosesAt;
        foreach (var (field, value) in new[] { ("opens_at", opens), ("closes_at", closes) })
        {
            if (value < TimeSpan.Zero || value >= TimeSpan.FromDays(1))
            {
                RpcErrors.InvalidArgument($"settings.business_hours.{field}", "must be a time of day between 0 and 24 hours");
            }
        }

        if (opens == closes)
        {
            RpcErrors.InvalidArgument("settings.business_hours", "opens_at and closes_at must differ");
        }

        if (hours.Days.Contains(V1.Weekday.Unspecified))
        {
            RpcErrors.InvalidArgument("settings.business_hours.days", "WEEKDAY_UNSPECIFIED is not a day");
        }

        var days = hours.Days.Count == 0 ? BusinessHoursSettings.Default.Days : hours.Days.Distinct().Select(d => (DayOfWeek)((int)d % 7)).Order().ToArray();
        return new BusinessHoursSettings(opens, closes, days);
    }

    private static ConsentSettings ConsentRulesFrom(V1.ConsentRules? rules, ConsentSettings defaults)
    {
        if (rules is null)
        {
            return defaults;
        }

        var replyWindow = rules.ReplyWindow?.ToTimeSpan() ?? defaults.ReplyWindow;
        var confirmationWindow = rules.OptInConfirmationWindow?.ToTimeSpan() ?? defaults.OptInConfirmationWindow;
        foreach (var (field, value) in new[] { ("reply_window", replyWindow), ("opt_in_confirmation_window", confirmationWindow) })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(30))
            {
                RpcErrors.InvalidArgument($"settings.consent_rules.{field}", "must be more than zero and at most 30 days");
            }
        }

        return new ConsentSettings(
            replyWindow, OrDefault(rules.OptInRequestText, defaults.OptInRequestText), confirmationWindow, rules.MarketingOptOutCoversAllChannels);
    }

    private static SmsChannelSettings? SmsFrom(V1.SmsChannel? sms, SmsChannelSettings? current)
    {
        if (sms is null)
        {
            return null;
        }

        var token = Secret(sms.AuthToken, current?.AuthToken, "settings.sms.auth_token");
        if (string.IsNullOrWhiteSpace(sms.AccountSid))
        {
            RpcErrors.InvalidArgument("settings.sms.account_sid", "is required");
        }

        var from = Grains.Policies.PhoneNumberNormalizer.Normalize(sms.FromNumber);
        if (!from.IsValid && !IsShortCode(sms.FromNumber))
        {
            RpcErrors.InvalidArgument("settings.sms.from_number", from.Error!);
        }

        return new SmsChannelSettings(
            sms.AccountSid, token, from.E164 ?? sms.FromNumber,
            string.IsNullOrWhiteSpace(sms.MessagingServiceSid) ? null : sms.MessagingServiceSid,
            sms.SenderKind == V1.SenderKind.Unspecified ? SenderKind.LongCode : (SenderKind)((int)sms.SenderKind - 1));
    }

    private static WhatsAppChannelSettings? WhatsAppFrom(V1.WhatsAppChannel? wa, WhatsAppChannelSettings? current)
    {
        if (wa is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(wa.PhoneNumberId))
        {
            RpcErrors.InvalidArgument("settings.whatsapp.phone_number_id", "is required");
        }

        return new WhatsAppChannelSettings(
            wa.PhoneNumberId,
            Secret(wa.AccessToken, current?.AccessToken, "settings.whatsapp.access_token"),
            Secret(wa.AppSecret, current?.AppSecret, "settings.whatsapp.app_secret"),
            Secret(wa.VerifyToken, current?.VerifyToken, "settings.whatsapp.verify_token"));
    }

    private static QuietHoursSettings? QuietHoursFrom(V1.QuietHours? quiet)
    {
        if (quiet is null)
        {
            return null;
        }

        var from = quiet.AllowedFrom?.ToTimeSpan() ?? QuietHoursSettings.Default.AllowedFrom;
        var until = quiet.AllowedUntil?.ToTimeSpan() ?? QuietHoursSettings.Default.AllowedUntil;
        foreach (var (field, value) in new[] { ("allowed_from", from), ("allowed_until", until) })
        {
            if (value < TimeSpan.Zero || value >= TimeSpan.FromDays(1))
            {
                RpcErrors.InvalidArgument($"settings.quiet_hours.{field}", "must be a time of day between 0 and 24 hours");
            }
        }

        if (from == until)
        {
            RpcErrors.InvalidArgument("settings.quiet_hours", "allowed_from and allowed_until must differ");
        }

        return new QuietHoursSettings(quiet.Enabled, from, until);
    }

    private static RateLimitSettings? RateLimitsFrom(V1.RateLimits? limits)
    {
        if (limits is null)
        {
            return null;
        }

        if (limits.SmsSegmentsPerSecond < 0 || limits.WhatsappMessagesPerSecond < 0 || limits.DailyMessageCap < 0)
        {
            RpcErrors.InvalidArgument("settings.rate_limits", "rates and caps cannot be negative");
        }

        return new RateLimitSettings(
            limits.SmsSegmentsPerSecond > 0 ? limits.SmsSegmentsPerSecond : null,
            limits.WhatsappMessagesPerSecond > 0 ? limits.WhatsappMessagesPerSecond : null,
            limits.DailyMessageCap > 0 ? limits.DailyMessageCap : RateLimitSettings.Default.DailyMessageCap);
    }

    private static KeywordReplySettings KeywordRepliesFrom(V1.KeywordReplies? replies, KeywordReplySettings defaults) =>
        replies is null ? defaults : new KeywordReplySettings(
            OrDefault(replies.StopConfirmation, defaults.StopConfirmation),
            OrDefault(replies.StartConfirmation, defaults.StartConfirmation),
            OrDefault(replies.HelpReply, defaults.HelpReply),
            replies.TreatRevocationPhrasesAsOptOut,
            replies.OptOutScope == V1.OptOutScope.Unspecified ? OptOutScope.AllChannels : (OptOutScope)((int)replies.OptOutScope - 1));

    private static string Secret(string presented, string? current, string field)
    {
        if (!string.IsNullOrEmpty(presented))
        {
            return presented;
        }

        if (current is null)
        {
            RpcErrors.InvalidArgument(field, "is required");
        }

        return current;
    }

    private static string OrDefault(string value, string fallback) => string.IsNullOrWhiteSpace(value) ? fallback : value;

    private static bool IsShortCode(string value) => value.Length is >= 5 and <= 6 && value.All(char.IsAsciiDigit);
}
