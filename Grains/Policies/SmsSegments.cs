using System.Collections.Frozen;

namespace Engine.Grains.Policies;

/// <summary>How a text travels over SMS: its encoding and how many segments carriers bill and pace.</summary>
public readonly record struct SegmentCount(bool IsGsm7, int Units, int Segments);

/// <summary>
/// Counts SMS segments. GSM-7 carries 160 septets in one segment or 153 per segment when split, and
/// characters of the extension table cost two septets. One character outside GSM-7 (an emoji, a curly
/// quote) switches the whole text to UCS-2: 70 code units, or 67 per segment when split.
/// </summary>
public static class SmsSegments
{
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string Extension = "^{}\\[~]|€\f";

    private static readonly FrozenSet<char> BasicSet = Basic.ToFrozenSet();
    private static readonly FrozenSet<char> ExtensionSet = Extension.ToFrozenSet();

    public static SegmentCount Count(string text)
    {
        var septets = 0;
        foreach (var c in text)
        {
            if (BasicSet.Contains(c))
            {
                septets++;
            }
            else if (ExtensionSet.Contains(c))
            {
                septets += 2;
            }
            else
            {
                var units = text.Length; // UTF-16 code units: an emoji outside the BMP already counts 2
                return new SegmentCount(false, units, units <= 70 ? 1 : (units + 66) / 67);
            }
        }

        return new SegmentCount(true, septets, septets <= 160 ? 1 : (septets + 152) / 153);
    }
}
