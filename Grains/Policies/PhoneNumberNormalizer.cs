using PhoneNumbers;

namespace Engine.Grains.Policies;

/// <summary>The outcome of normalising a phone number: the E.164 form, or why there is none.</summary>
public readonly record struct NormalizedNumber(string? E164, string? Error)
{
    /// <summary>True when the number parsed and is a valid number.</summary>
    public bool IsValid => E164 is not null;
}

/// <summary>
/// Turns whatever a provider or a business sends ("whatsapp:+1 415…", a WhatsApp wa_id of bare digits,
/// "(415) 555-0100" with a default region) into E.164, and maps numbers to their time zones.
/// </summary>
public static class PhoneNumberNormalizer
{
    private const string WhatsAppPrefix = "whatsapp:";
    private const string UnknownTimeZone = "Etc/Unknown"; // what the mapper answers for unmapped ranges
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly PhoneNumberToTimeZonesMapper TimeZoneMapper = PhoneNumberToTimeZonesMapper.GetInstance();

    /// <summary>Normalises <paramref name="raw"/>; numbers without '+' are read in <paramref name="defaultRegion"/>.</summary>
    public static NormalizedNumber Normalize(string? raw, string defaultRegion = "US")
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return new(null, "the number is empty");
        }

        var text = raw.Trim();
        if (text.StartsWith(WhatsAppPrefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text[WhatsAppPrefix.Length..].Trim();
        }

        PhoneNumber number;
        try
        {
            number = Util.Parse(text, defaultRegion);
        }
        catch (NumberParseException e)
        {
            return new(null, $"'{raw}' is not a phone number ({e.ErrorType})");
        }

        return Util.IsValidNumber(number)
            ? new(Util.Format(number, PhoneNumberFormat.E164), null)
            : new(null, $"'{raw}' is not a valid number for its region");
    }

    /// <summary>Normalises a WhatsApp wa_id, which is the international number without '+'.</summary>
    public static NormalizedNumber NormalizeWhatsAppId(string? waId) =>
        string.IsNullOrWhiteSpace(waId) || waId.StartsWith('+')
            ? Normalize(waId)
            : Normalize("+" + waId.Trim());

    /// <summary>The national significant number of an E.164 number ("+12125550100" is "2125550100").</summary>
    public static string NationalNumber(string e164) =>
        Util.GetNationalSignificantNumber(Util.Parse(e164, "ZZ"));

    /// <summary>
    /// The IANA time zones the number's range may be in; empty when libphonenumber does not know.
    /// </summary>
    public static IReadOnlyList<string> TimeZonesOf(string e164)
    {
        var number = Util.Parse(e164, "ZZ");
        return TimeZoneMapper.GetTimeZonesForNumber(number)
            .Where(zone => zone != UnknownTimeZone)
            .ToArray();
    }
}
