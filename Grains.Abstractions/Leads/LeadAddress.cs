using System.Text.RegularExpressions;

namespace Engine.Grains.Abstractions.Leads;

/// <summary>
/// A lead's address, the second part of its grain keys: its E.164 number, or, for a WhatsApp user
/// known only by a username, the business-scoped user id Meta gives them ("US.13491208655302741918").
/// The two forms cannot collide: a number starts with '+', a user id with two letters and a dot.
/// </summary>
public static partial class LeadAddress
{
    /// <summary>True for an E.164 number, the only address SMS can reach.</summary>
    public static bool IsPhoneNumber(string address) => address.StartsWith('+');

    /// <summary>
    /// True for a WhatsApp business-scoped user id: country letters, a dot, then digits, letters and
    /// dots (enterprise-scoped parent ids add a segment: "US.ENT.5678").
    /// </summary>
    public static bool IsWhatsAppUserId(string? value) => value is { Length: <= 128 } && WhatsAppUserIdPattern().IsMatch(value);

    [GeneratedRegex(@"^[A-Za-z]{2}\.[A-Za-z0-9.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex WhatsAppUserIdPattern();
}
