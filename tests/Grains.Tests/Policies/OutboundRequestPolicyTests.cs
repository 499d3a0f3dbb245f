using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class OutboundRequestPolicyTests
{
    private static readonly TenantSettings BothChannels = TenantSettings.Defaults("Acme") with
    {
        Sms = new SmsChannelSettings("AC" + new string('1', 32), "auth-token", "+14155550000", null, SenderKind.LongCode),
        WhatsApp = new WhatsAppChannelSettings("1234567890", "access-token", "app-secret", "verify-token"),
    };

    private static readonly TemplateRef Template = new("welcome", "en", []);

    public static TheoryData<string, Channel, string, string?, bool, RejectionCode?> Cases => new()
    {
        // label, channel, address, body, template, expected refusal
        { "a text on SMS", Channel.Sms, "+12125550100", "hello", false, null },
        { "a template on WhatsApp", Channel.WhatsApp, "+12125550100", null, true, null },
        { "a template on SMS", Channel.Sms, "+12125550100", null, true, RejectionCode.InvalidRequest },
        { "SMS to a WhatsApp user id", Channel.Sms, "US.13491208655302741918", "hello", false, RejectionCode.InvalidRequest },
        { "WhatsApp to a WhatsApp user id", Channel.WhatsApp, "US.13491208655302741918", "hello", false, null },
        { "neither body nor template", Channel.WhatsApp, "+12125550100", "  ", false, RejectionCode.InvalidRequest },
        { "an SMS body at the limit", Channel.Sms, "+12125550100", new string('a', MessageLimits.MaxSmsBody), false, null },
        { "an SMS body over the limit", Channel.Sms, "+12125550100", new string('a', MessageLimits.MaxSmsBody + 1), false, RejectionCode.InvalidRequest },
        { "a WhatsApp body over the limit", Channel.WhatsApp, "+12125550100", new string('a', MessageLimits.MaxWhatsAppBody + 1), false, RejectionCode.InvalidRequest },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Refusal_FollowsTheRequestRules(string label, Channel channel, string address, string? body, bool template, RejectionCode? expected)
    {
        var request = new OutboundRequest(null, body, template ? Template : null, null);

        var refusal = OutboundRequestPolicy.Refusal(request, BothChannels, "acme", channel, address);

        Assert.True(expected == refusal?.Code, $"{label}: expected {expected?.ToString() ?? "no refusal"}, got {refusal?.ToString() ?? "none"}");
    }

    [Fact]
    public void Refusal_OfAChannelTheTenantNeverConfigured_NamesTheTenantAndChannel()
    {
        var refusal = OutboundRequestPolicy.Refusal(
            new OutboundRequest(null, "hello", null, null), BothChannels with { WhatsApp = null }, "acme", Channel.WhatsApp, "+12125550100");

        Assert.Equal(RejectionCode.ChannelNotConfigured, refusal?.Code);
        Assert.Contains("'acme'", refusal?.Reason, StringComparison.Ordinal);
        Assert.Contains("whatsapp", refusal?.Reason, StringComparison.Ordinal);
    }
}
