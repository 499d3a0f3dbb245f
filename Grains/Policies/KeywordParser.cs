using System.Collections.Frozen;
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
/// Recognises the carrier keyword families (a single word, any case, trailing punctuation ignored) and
/// plain-language revocations such as "please stop texting me", which the FCC counts as an opt-out
/// made by "any reasonable means".
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
        ["START"] = KeywordKind.OptIn,
        ["YES"] = KeywordKind.OptIn,
        ["UNSTOP"] = KeywordKind.OptIn,
        ["HELP"] = KeywordKind.Help,
        ["INFO"] = KeywordKind.Help,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Classifies one inbound body.</summary>
    public static KeywordMatch Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return KeywordMatch.None;
        }

        var word = body.Trim().TrimEnd(TrailingPunctuation).Trim();
        if (Keywords.TryGetValue(word, out var kind))
        {
            return new(kind, word.ToUpperInvariant(), false);
        }

        return RevocationPhrase().IsMatch(body)
            ? new(KeywordKind.None, null, IsRevocationPhrase: true)
            : KeywordMatch.None;
    }

    private static readonly char[] TrailingPunctuation = ['.', '!', '?', ',', ';', ':', '"', '\'', ')', ' '];

    // Phrases a reasonable person reads as "do not message me any more". Kept narrow on purpose:
    // "cancel my appointment" or "stop by tomorrow" must not unsubscribe anyone.
    [GeneratedRegex(
        @"\b(stop|quit|cease)\s+(texting|messaging|contacting|sending|calling|txting|msging)\b" +
        @"|\b(don'?t|do\s+not|never)\s+(text|message|contact|msg|txt|sms)\s+me\b" +
        @"|\b(unsubscribe|remove|delete)\s+me\b|\btake\s+me\s+off\b" +
        @"|\bopt\s*-?\s*me\s+out\b|\bopt\s*-?\s*out\b" +
        @"|\bleave\s+me\s+alone\b" +
        @"|^\s*stop\s*(it|now|please|pls|plz|already|thanks|thank\s+you)?\s*[.!]*\s*$" +
        @"|^\s*(please|pls|plz)\s+stop\s*[.!]*\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RevocationPhrase();
}
