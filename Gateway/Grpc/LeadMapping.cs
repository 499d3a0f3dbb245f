using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Leads;
using Google.Protobuf.WellKnownTypes;
using Engine.Grains.Storage.Consent;
using Engine.Grains.Storage.LeadDirectory;

namespace Engine.Gateway.Grpc;

/// <summary>Lead and consent messages between protobuf and the grain contract.</summary>
internal static class LeadMapping
{
    public static V1.Lead ToProto(LeadSnapshot lead) => new()
    {
        TenantId = lead.TenantId,
        Phone = lead.Identity?.PhoneNumber ?? "",
        WhatsappUserId = lead.Identity?.WhatsAppUserId ?? "",
        Username = lead.Identity?.Username ?? "",
        Name = lead.Profile.Name ?? "",
        Email = lead.Profile.Email ?? "",
        TimeZone = lead.Profile.TimeZone ?? "",
        Tags = { lead.Profile.Tags },
        Attributes = { lead.Profile.Attributes.ToDictionary() },
        Consent = { lead.Consent.Select(c => new V1.ChannelConsent
        {
            Channel = ToProto(c.Channel),
            Status = ToProto(c.Status),
            Source = ToProto(c.Source),
            Evidence = c.Evidence ?? "",
            ChangedAt = Timestamp.FromDateTimeOffset(c.ChangedAt),
        }) },
        EffectiveTimeZones = { lead.TimeZones },
        CreatedAt = lead.CreatedAt is { } created ? Timestamp.FromDateTimeOffset(created) : null,
    };

    public static V1.ConsentLedgerEntry ToProto(ConsentLedgerEntry entry) => new()
    {
        EntryId = entry.EntryId,
        Channel = ToProto(entry.Channel),
        PreviousStatus = ToProto(entry.PreviousStatus),
        Status = ToProto(entry.Status),
        Source = ToProto(entry.Source),
        Evidence = entry.Evidence ?? "",
        OccurredAt = Timestamp.FromDateTimeOffset(entry.OccurredAt),
        RecordedAt = entry.RecordedAt is { } recorded ? Timestamp.FromDateTimeOffset(recorded) : null,
        Superseded = entry.Outcome == ConsentOutcome.Superseded,
    };

    public static V1.Channel ToProto(Channel channel) => channel == Channel.Sms ? V1.Channel.Sms : V1.Channel.Whatsapp;

    // The engine's Unknown is the proto's CONSENT_STATUS_UNKNOWN (4): its zero is reserved for "not set".
    public static V1.ConsentStatus ToProto(ConsentStatus status) => status == ConsentStatus.Unknown ? V1.ConsentStatus.Unknown : (V1.ConsentStatus)(int)status;

    public static V1.ConsentSource ToProto(ConsentSource source) => (V1.ConsentSource)((int)source + 1);

    public static ConsentSource FromProto(V1.ConsentSource source) => source == V1.ConsentSource.Unspecified
        ? ConsentSource.Api
        : (ConsentSource)((int)source - 1);

    /// <summary>ListLeads' filters, validated: consent needs both its status and its channel.</summary>
    public static LeadFilter FilterFrom(V1.ListLeadsRequest request)
    {
        ConsentStatus? consent = request.ConsentStatus switch
        {
            V1.ConsentStatus.Unspecified => null,
            V1.ConsentStatus.Unknown => ConsentStatus.Unknown,
            V1.ConsentStatus.OptedIn => ConsentStatus.OptedIn,
            V1.ConsentStatus.OptedOut => ConsentStatus.OptedOut,
            V1.ConsentStatus.Pending => ConsentStatus.Pending,
            _ => RpcErrors.InvalidArgument<ConsentStatus?>("consent_status", $"{request.ConsentStatus} is not a consent status"),
        };
        if (consent is not null && request.ConsentChannel == V1.Channel.Unspecified)
        {
            RpcErrors.InvalidArgument("consent_channel", "is required with consent_status");
        }

        if (consent is null && request.ConsentChannel != V1.Channel.Unspecified)
        {
            RpcErrors.InvalidArgument("consent_status", "is required with consent_channel");
        }

        return new LeadFilter(
            NullIfEmpty(request.Tag), NullIfEmpty(request.Stage),
            consent is null ? null : RequestValidation.RequireChannel(request.ConsentChannel), consent);
    }

    /// <summary>A validated profile patch; empty fields leave stored values alone.</summary>
    public static LeadProfilePatch PatchFrom(string name, string email, string timeZone, IReadOnlyCollection<string> tags, IReadOnlyDictionary<string, string>? attributes)
    {
        RequestValidation.RequireTimeZone(timeZone, "time_zone");
        if (email.Length > 0 && (!email.Contains('@', StringComparison.Ordinal) || email.Length > 254))
        {
            RpcErrors.InvalidArgument("email", $"'{email}' is not an email address");
        }

        return new LeadProfilePatch(
            NullIfEmpty(name), NullIfEmpty(email), NullIfEmpty(timeZone),
            tags.Count > 0 ? tags.ToArray() : null,
            attributes is { Count: > 0 } ? new Dictionary<string, string>(attributes) : null);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
