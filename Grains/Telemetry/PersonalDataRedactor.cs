using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry;

namespace Engine.Grains.Telemetry;

/// <summary>
/// Removes personal data from every span before it is exported. Orleans names the grains a call
/// reaches (orleans.rpc.target_id, orleans.grain.id, ...), and the keys of per-person grains hold the
/// person's E.164 number or WhatsApp user id; an exception message may quote one too. Any such value in
/// a string attribute becomes "[redacted]", so an exporter never sees it. Registered ahead of every
/// exporter: processors run in the order they are added.
/// </summary>
public sealed partial class PersonalDataRedactor : BaseProcessor<Activity>
{
    public const string Replacement = "[redacted]";

    public override void OnEnd(Activity data)
    {
        List<KeyValuePair<string, string?>>? changed = null;
        foreach (var tag in data.Tags)
        {
            if (tag.Value is { } value && Redact(value) is var redacted && !ReferenceEquals(redacted, value))
            {
                (changed ??= []).Add(new(tag.Key, redacted));
            }
        }

        foreach (var (key, value) in changed ?? [])
        {
            data.SetTag(key, value);
        }

        if (Redact(data.DisplayName) is var name && !ReferenceEquals(name, data.DisplayName))
        {
            data.DisplayName = name;
        }

        if (data.StatusDescription is { } description && Redact(description) is var status && !ReferenceEquals(status, description))
        {
            data.SetStatus(data.Status, status);
        }
    }

    /// <summary>The text with every phone number and WhatsApp user id replaced (the same instance when it has none).</summary>
    public static string Redact(string text) =>
        PersonalData().IsMatch(text) ? PersonalData().Replace(text, Replacement) : text;

    // An E.164 number (a plus and 7 to 15 digits), or a business-scoped WhatsApp user id such as
    // "US.13491208655302741918" or "US.ENT.5678" (country letters, a dot, digits).
    [GeneratedRegex(@"\+[0-9]{7,15}|\b[A-Z]{2}\.(?:[A-Z]+\.)?[0-9]{4,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex PersonalData();
}
