using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class PhoneNumberNormalizerTests
{
    [Theory]
    [InlineData("+14155552671", "+14155552671")]
    [InlineData("whatsapp:+14155552671", "+14155552671")]
    [InlineData("WhatsApp:+44 20 7946 0958", "+442079460958")]
    [InlineData("(415) 555-2671", "+14155552671")]
    [InlineData("+1 415-555-2671", "+14155552671")]
    public void Normalize_ValidNumber_GivesE164(string raw, string expected)
    {
        var result = PhoneNumberNormalizer.Normalize(raw);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(expected, result.E164);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("+1 000")]
    [InlineData("+999 12345")]
    public void Normalize_Invalid_GivesReason(string raw)
    {
        var result = PhoneNumberNormalizer.Normalize(raw);

        Assert.False(result.IsValid);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    [Fact]
    public void NormalizeWhatsAppId_BareDigits_GetsPlus() =>
        Assert.Equal("+16505551234", PhoneNumberNormalizer.NormalizeWhatsAppId("16505551234").E164);

    [Fact]
    public void TimeZonesOf_NewYorkNumber_IsEastern() =>
        Assert.Equal(["America/New_York"], PhoneNumberNormalizer.TimeZonesOf("+12125550100"));

    [Fact]
    public void TimeZonesOf_TollFreeNumber_SpansSeveralZones() =>
        Assert.True(PhoneNumberNormalizer.TimeZonesOf("+18005550100").Count > 1);
}
