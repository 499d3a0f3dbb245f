using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Engine.Grains.Abstractions.Conversations;

namespace Engine.Grains.Policies;

/// <summary>What an inbound text says about consent.</summary>
public readonly record struct KeywordMatch(KeywordKind Kind, string? Keyword, bool IsRevocationPhrase)
{
    /// <summary>A message that is not a keyword.</summary>
    public static KeywordMatch None { get; } = new(KeywordKind.None, null, false);
}

/// <summary>
/// Recognises the carrier keyword families (the whole message is the keyword, in any case, width,
/// punctuation or emoji) and plain-language revocations such as "please stop texting me", which the
/// FCC counts as an opt-out made by "any reasonable means".
/// </summary>
public static partial class KeywordParser
{
    private static readonly FrozenDictionary<string, KeywordKind> Keywords = new Dictionary<string, KeywordKind>
    {
        ["STOP"] = KeywordKind.OptOut,
        ["STOPALL"] = KeywordKind.OptOut,
        ["UNSUBSCRIBE"] = KeywordKind.OptOut,
        ["CANCEL"] = KeywordKind.OptOut,
        ["END"] = KeywordKind.OptOut,
        ["QUIT"] = KeywordKind.OptOut,
        ["REVOKE"] = KeywordKind.OptOut,
        ["OPTOUT"] = KeywordKind.OptOut,
        ["ALTO"] = KeywordKind.OptOut,
        ["PARAR"] = KeywordKind.OptOut,
        ["PARE"] = KeywordKind.OptOut,
        ["BAJA"] = KeywordKind.OptOut,
        ["CANCELAR"] = KeywordKind.OptOut,
        ["START"] = KeywordKind.OptIn,
        ["YES"] = KeywordKind.OptIn,
        ["UNSTOP"] = KeywordKind.OptIn,
        // Only meaningful as the answer to a double opt-in question; the grain decides whether one is pending.
        ["Y"] = KeywordKind.OptIn,
        ["HELP"] = KeywordKind.Help,
        ["INFO"] = KeywordKind.Help,
        ["AYUDA"] = KeywordKind.Help,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    // People type some keywords as two words; evidence records the single word carriers use.
    private static readonly FrozenDictionary<string, string> TwoWordSpellings = new Dictionary<string, string>
    {
        ["stop all"] = "STOPALL",
        ["opt out"] = "OPTOUT",
        ["opt-out"] = "OPTOUT",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Classifies one inbound body.</summary>
    public static KeywordMatch Parse(string? body)
    {
        var text = Normalize(body);
        if (text.Length == 0)
        {
            return KeywordMatch.None;
        }

        var word = TwoWordSpellings.GetValueOrDefault(text, text);
        if (Keywords.TryGetValue(word, out var kind))
        {
            return new(kind, word.ToUpperInvariant(), false);
        }

        return StopCommand().IsMatch(text) || RevocationPhrase().IsMatch(text) || WrongNumber().IsMatch(text)
            ? new(KeywordKind.None, null, IsRevocationPhrase: true)
            : KeywordMatch.None;
    }

    /// <summary>
    /// The form a body is matched in: NFKC (so full-width and styled letters become plain ones), ASCII
    /// quotes and hyphens, emoji and other pictographs read as spaces, invisible joiners and selectors
    /// dropped, whitespace collapsed, surrounding punctuation trimmed, lower case.
    /// </summary>
    public static string Normalize(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return "";
        }

        // Before NFKC, which would split the acute accent into a space and a combining mark, and which
        // throws on a lone surrogate: a broken emoji from a provider must not fail the inbound message.
        var text = string.Create(body.Length, body, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = IsLoneSurrogate(source, i) ? ' ' : AsAsciiQuote(source[i]);
            }
        }).Normalize(NormalizationForm.FormKC);

        var builder = new StringBuilder(text.Length);
        var gap = false;
        var contentEnd = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsWhiteSpace(rune) || category is UnicodeCategory.OtherSymbol or UnicodeCategory.ModifierSymbol)
            {
                gap = true;
                continue;
            }

            if (IsInvisible(rune, category))
            {
                continue;
            }

            var isContent = Rune.IsLetterOrDigit(rune) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark || rune.Value == '#';
            if (builder.Length == 0 && !isContent)
            {
                continue;
            }

            if (gap && builder.Length > 0)
            {
                builder.Append(' ');
            }

            gap = false;
            builder.Append(category == UnicodeCategory.DashPunctuation ? "-" : rune.ToString());
            if (isContent)
            {
                contentEnd = builder.Length;
            }
        }

        builder.Length = contentEnd;
        return builder.ToString().ToLowerInvariant();
    }

    private static bool IsLoneSurrogate(string text, int index) =>
        char.IsSurrogate(text[index])
        && !char.IsSurrogatePair(text, index)
        && !(index > 0 && char.IsSurrogatePair(text, index - 1));

    private static char AsAsciiQuote(char c) => c switch
    {
        '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u2039' or '\u203A' or '\u2032' or '\u2035'
            or '\u02BB' or '\u02BC' or '\u02BD' or '\u00B4' or '`' or '\uFF07' => '\'',
        '\u201C' or '\u201D' or '\u201E' or '\u201F' or '\u00AB' or '\u00BB' or '\u2033' or '\u2036'
            or '\u301D' or '\u301E' or '\uFF02' => '"',
        _ => c,
    };

    // Zero-width spaces and joiners, direction marks, emoji variation selectors and keycaps carry no
    // letters; inside a word they must vanish rather than split it.
    private static bool IsInvisible(Rune rune, UnicodeCategory category) =>
        category is UnicodeCategory.Format or UnicodeCategory.EnclosingMark or UnicodeCategory.Control
        || rune.Value is >= 0xFE00 and <= 0xFE0F or >= 0xE0100 and <= 0xE01EF;

    // The whole message asks to stop, perhaps with courtesy or what to stop: "please stop", "Stop it.",
    // "STOP STOP STOP", and "Stop promotions", the body of Meta's WhatsApp marketing opt-out button.
    [GeneratedRegex(
        @"^((please|pls|plz|just|ok|okay|now|i said)[ ,]+)*(stop|stopall|alto|unsubscribe|opt out|opt-out)" +
        @"([ ,.!]+(stop|it|now|right now|please|pls|plz|por favor|ya|already|thanks|thank you|thx|asap|immediately|all|this|these|them" +
        @"|me|promotions|messages|msgs|texts|txts|texting|txting|messaging|contacting|calling|sending))*$",
        RegexOptions.CultureInvariant)]
    private static partial Regex StopCommand();

    // Phrases a reasonable person reads as "do not message me any more", anywhere in the message. Kept
    // narrow on purpose: "cancel my appointment", "stop sending me listings in Dallas" or "don't text me
    // before 9am" must not unsubscribe anyone.
    [GeneratedRegex(
        @"(?<!\b(don'?t|not|never) )\b(stop|quit|cease) (texting|txting|messaging|msging|contacting|calling|bothering|spamming)" +
        @" (me|this number|my number|my phone)\b" +
        @"|(?<!\b(don'?t|not|never) )\bstop sending( me)?( any| these| your| more| all)? (messages|msgs|texts|txts|promotions)\b" +
        @"|\b(don'?t|do not|never)( ever)? (text|txt|message|msg|contact|sms) me\b" +
        @"(?! (before|after|during|until|till|between|in the|so early|so late|this early|this late|at (work|night)" +
        @"|on (weekends|the weekend|saturdays|sundays))\b)" +
        @"|\bno more (texts|txts|messages|msgs|texting|messaging|sms)\b" +
        @"|\bunsubscribe (me|us)\b|\bopt (me|us) out\b|\bleave (me|us) alone\b" +
        @"|\b(remove|delete|take) (me|us) (off|from|out of) (your|the|this|ur|all|all your|every|any)" +
        @"( mailing| texting| text| sms| contact| call| marketing| distribution)? (list|lists|database|system|contacts)\b" +
        @"|^(please |pls )?((remove|delete) (me|us)|take (me|us) off)( please| pls| now| asap)?$" +
        @"|\b(want|wish|like|need|wanna) to (unsubscribe|opt out|opt-out|optout)\b(?! of\b)" +
        @"|\b(opt out|opt-out|unsubscribe) (of|from) (these|your|this|the|all|all your|all these) (texts|messages|msgs|promotions|sms|list)\b" +
        // Spanish: "no me escribas más", "no más mensajes", "deja de escribirme", "dame de baja".
        @"|\bno me (escribas?|escriban|contactes?|contacten|(mandes?|manden|env[ií]es?|env[ií]en) mensajes)\b" +
        @"|\bno m[aá]s (mensajes|textos|msjs?)\b" +
        @"|\bno quiero (recibir )?(m[aá]s )?(mensajes|textos)\b" +
        @"|\bdej(a|e|en) de (escribirme|enviarme|mandarme|contactarme|molestarme)\b|\b(d[aá]me|d[eé]nme|darme) de baja\b",
        RegexOptions.CultureInvariant)]
    private static partial Regex RevocationPhrase();

    // The FCC treats a wrong-number reply as revoking consent for that number. Only when the message
    // opens with it: "I gave you the wrong number" or "wrong number of bedrooms" are ordinary.
    [GeneratedRegex(
        @"^((sorry|sry|hi|hello|hey|um|oops)[ ,]+)*((you have|you've got|you got|u have|u got|this is|that's|thats|it's|its) )?" +
        @"(the |a )?wrong (#|(number|num|person)\b(?! of\b))",
        RegexOptions.CultureInvariant)]
    private static partial Regex WrongNumber();
}
