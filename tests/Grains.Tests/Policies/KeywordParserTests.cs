using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class KeywordParserTests
{
    [Theory]
    [InlineData("STOP", KeywordKind.OptOut)]
    [InlineData("stop", KeywordKind.OptOut)]
    [InlineData("  Stop.  ", KeywordKind.OptOut)]
    [InlineData("STOP!!!", KeywordKind.OptOut)]
    [InlineData("stopall", KeywordKind.OptOut)]
    [InlineData("Unsubscribe", KeywordKind.OptOut)]
    [InlineData("cancel", KeywordKind.OptOut)]
    [InlineData("END", KeywordKind.OptOut)]
    [InlineData("quit?", KeywordKind.OptOut)]
    [InlineData("revoke", KeywordKind.OptOut)]
    [InlineData("OptOut", KeywordKind.OptOut)]
    [InlineData("START", KeywordKind.OptIn)]
    [InlineData("yes", KeywordKind.OptIn)]
    [InlineData("Yes!", KeywordKind.OptIn)]
    [InlineData("unstop", KeywordKind.OptIn)]
    [InlineData("HELP", KeywordKind.Help)]
    [InlineData("info.", KeywordKind.Help)]
    [InlineData("Help?", KeywordKind.Help)]
    public void Parse_SingleKeyword_MatchesFamily(string body, KeywordKind expected)
    {
        var match = KeywordParser.Parse(body);

        Assert.Equal(expected, match.Kind);
        Assert.False(match.IsRevocationPhrase);
    }

    [Theory]
    [InlineData("please stop texting me")]
    [InlineData("Stop messaging me!")]
    [InlineData("don't text me again")]
    [InlineData("Do not contact me")]
    [InlineData("unsubscribe me please")]
    [InlineData("remove me from this list")]
    [InlineData("take me off your list")]
    [InlineData("opt me out")]
    [InlineData("I want to opt out")]
    [InlineData("leave me alone")]
    [InlineData("stop please")]
    [InlineData("Stop it.")]
    [InlineData("please stop")]
    public void Parse_PlainLanguageRevocation_IsFlagged(string body)
    {
        var match = KeywordParser.Parse(body);

        Assert.Equal(KeywordKind.None, match.Kind);
        Assert.True(match.IsRevocationPhrase);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("Can you stop by tomorrow?")]
    [InlineData("I need to cancel my appointment")]
    [InlineData("yes, Tuesday at 3 works")]
    [InlineData("What's the end date?")]
    [InlineData("take me to the showroom")]
    [InlineData("STOP sign on the corner is broken")]
    [InlineData("helpful, thanks")]
    public void Parse_OrdinaryMessage_IsNotAKeyword(string? body)
    {
        var match = KeywordParser.Parse(body);

        Assert.Equal(KeywordKind.None, match.Kind);
        Assert.False(match.IsRevocationPhrase);
    }

    // A revocation counts whether it arrives as a keyword (always honoured) or as a phrase (honoured per tenant).
    public static TheoryData<string, string> Revocations { get; } = new()
    {
        { "STOP", "the carrier keyword" },
        { "stop", "keywords match in any case" },
        { "Stop.", "a trailing period is punctuation, not part of the word" },
        { "STOP!!!", "repeated exclamation marks" },
        { "  stop  ", "surrounding spaces" },
        { "\u00A0STOP\u00A0", "non-breaking spaces around the word" },
        { "ＳＴＯＰ", "full-width letters from an East Asian keyboard become ASCII under NFKC" },
        { "𝐒𝐓𝐎𝐏", "bold letters from a styled-text keyboard become ASCII under NFKC" },
        { "STOP!!! 😡", "an angry emoji after the keyword" },
        { "🛑 STOP 🛑", "emoji on both sides" },
        { "stop👍🏽", "an emoji with a skin-tone modifier glued to the word" },
        { "STOP ❤️", "an emoji with a variation selector" },
        { "\u200BSTOP", "a zero-width space pasted in front" },
        { "“STOP”", "typographic double quotes around the word" },
        { "\"stop\"", "ASCII double quotes around the word" },
        { "(stop)", "brackets around the word" },
        { "*STOP*", "asterisks used for emphasis" },
        { "Stop all", "STOP ALL typed as two words" },
        { "STOP\u00A0ALL", "STOP ALL with a non-breaking space between" },
        { "stopall", "STOPALL as one word" },
        { "UNSUBSCRIBE.", "carrier keyword with a period" },
        { "Cancel", "carrier keyword CANCEL on its own" },
        { "end", "carrier keyword END on its own" },
        { "QUIT!", "carrier keyword QUIT" },
        { "revoke", "carrier keyword REVOKE" },
        { "opt out", "OPTOUT typed as two words" },
        { "Opt-Out", "OPTOUT typed with a hyphen" },
        { "opt–out", "OPTOUT with the en dash a phone's smart punctuation inserts" },
        { "OPTOUT", "OPTOUT as one word" },
        { "Alto", "Spanish keyword ALTO" },
        { "PARAR", "Spanish keyword PARAR" },
        { "pare", "Spanish keyword PARE" },
        { "Baja", "Spanish keyword BAJA" },
        { "cancelar.", "Spanish keyword CANCELAR" },
        { "Stop promotions", "the body of Meta's WhatsApp marketing opt-out quick-reply button" },
        { "stop promotions 🙏", "the WhatsApp button text typed by hand, with an emoji" },
        { "Please stop texting me!!", "asks to stop texting" },
        { "Don’t text me anymore", "typographic apostrophe U+2019, as iPhones send it" },
        { "Don‘t text me", "left single quote U+2018 as the apostrophe" },
        { "Donʼt text me again", "modifier letter apostrophe U+02BC" },
        { "Don´t text me", "acute accent U+00B4 as the apostrophe" },
        { "Don`t message me", "backtick as the apostrophe" },
        { "Ｄｏｎ’ｔ ｔｅｘｔ ｍｅ", "full-width letters and a typographic apostrophe" },
        { "dont txt me", "no apostrophe, texting shorthand" },
        { "Don't text me on this number anymore", "don't text me, naming the number" },
        { "do not text me", "spelled-out negation" },
        { "Never contact me again", "never contact me" },
        { "STOP sending me messages", "stop sending me messages" },
        { "Stop sending these texts", "stop sending texts, without 'me'" },
        { "quit texting me", "quit instead of stop" },
        { "stop calling me", "revocation covers calls too" },
        { "Stop\u2002texting\u3000me", "en space and ideographic space between words" },
        { "I already said STOP texting me 😤😤", "stop texting me inside a longer complaint" },
        { "Why won't you stop texting me", "a complaint, not a negated stop" },
        { "I want to unsubscribe", "states the wish to unsubscribe" },
        { "I'd like to opt out of these texts", "opt out of these texts" },
        { "no more texts", "no more texts" },
        { "No more messages please", "no more messages" },
        { "remove me", "remove me as the whole message" },
        { "Remove me from your list", "remove me from your list" },
        { "please take me off the mailing list", "take me off the mailing list" },
        { "unsubscribe me", "unsubscribe me" },
        { "opt me out please", "opt me out" },
        { "Just leave me alone", "leave me alone" },
        { "We bought elsewhere, please take us off the list", "a couple asking for both of them" },
        { "wrong number", "a wrong-number reply revokes consent for that number" },
        { "Wrong #", "wrong number written with #" },
        { "you have the wrong number", "you have the wrong number" },
        { "This is the wrong number.", "this is the wrong number" },
        { "Sorry, wrong number. I'm not Maria", "opens with wrong number, then explains" },
        { "You've got the wrong person", "wrong person means wrong number" },
        { "stop it", "stop it as the whole message" },
        { "please stop", "please stop as the whole message" },
        { "Stop now!", "stop now as the whole message" },
        { "stop stop stop", "stop repeated" },
        { "STOP. STOP. STOP.", "stop repeated as sentences" },
        { "I said stop", "repeating an earlier stop" },
        { "Stop all messages", "stop all messages" },
        { "no me escribas más", "Spanish: don't write to me any more" },
        { "No me escriba mas", "Spanish, formal and without the accent" },
        { "no más mensajes", "Spanish: no more messages" },
        { "Deja de escribirme", "Spanish: stop writing to me" },
        { "Dame de baja", "Spanish: unsubscribe me" },
        { "ALTO por favor", "Spanish keyword with please" },
    };

    // Everyday real-estate conversation that mentions stopping, cancelling or numbers without revoking anything.
    public static TheoryData<string, string> NonRevocations { get; } = new()
    {
        { "don't stop", "a negated stop asks for more" },
        { "Can't stop smiling 😊 love the house", "idiom" },
        { "stop by tomorrow?", "stop by means visit" },
        { "Is the bus stop near the house?", "stop as a noun" },
        { "cancel my appointment", "cancels an appointment, not the texts" },
        { "I'll stop by at 5", "stop by means visit" },
        { "The end of the month works", "end as a noun" },
        { "yes please call me", "yes inside a sentence is not the YES keyword" },
        { "What's your stop loss policy?", "stop as part of a term" },
        { "Can you stop the water heater leak before closing?", "stopping something else" },
        { "Non-stop flights from there?", "non-stop is not stop" },
        { "help me find a house", "HELP counts only as the whole message" },
        { "Is this the right number?", "asks about the number, does not say it is wrong" },
        { "start the paperwork", "START counts only as the whole message" },
        { "stopwatch", "a word that starts with stop" },
        { "I want to start", "wants to start something" },
        { "no worries", "no followed by something other than more texts" },
        { "Please don't stop sending the listings", "asks for more messages" },
        { "Don't text my husband, text me", "redirects texts to the lead" },
        { "Please don't text me before 9am", "a timing preference, not a revocation" },
        { "don't text me during work hours, after 5 is fine", "a timing preference, not a revocation" },
        { "Please don't text me at work", "a timing preference, not a revocation" },
        { "text me, don't email me", "prefers texts over email" },
        { "I gave you the wrong number for my wife, it's 555-0100", "corrects a number the lead gave" },
        { "The listing shows the wrong number of bedrooms", "wrong number of something" },
        { "Wrong number of bathrooms on the flyer", "opens with wrong number, but of bathrooms" },
        { "Stop it, you're too kind!", "playful stop it with more after it" },
        { "Can I opt out of the home warranty?", "opts out of a product, not the texts" },
        { "Remove me from the Saturday showing, I can't make it", "leaves a showing, not the list" },
        { "Can you stop sending listings over 500k?", "narrows the search" },
        { "Stop sending me listings in Dallas", "narrows the search, even with 'me'" },
        { "We stopped looking for now but keep me posted", "asks to stay in touch" },
        { "No more showings this week, we're exhausted", "no more showings, not messages" },
        { "No more than 3 bedrooms please", "no more than" },
        { "Don't stop now, we're close to an offer!", "negated stop" },
        { "Cancelar la cita del sábado", "Spanish: cancel Saturday's appointment" },
        { "End unit townhomes only please", "end as an adjective" },
        { "Quit my job so my schedule is flexible", "quit a job" },
        { "Is there a stop sign at the end of the street?", "stop sign" },
        { "I'd stop at 450k, that's my max", "a price ceiling" },
        { "Does the seller want to cancel?", "asks about the seller" },
        { "Can you text me the address?", "asks for a text" },
        { "Sí", "Spanish yes is deliberately not a keyword: too common in ordinary replies" },
    };

    [Theory]
    [MemberData(nameof(Revocations))]
    public void Parse_Revocation_OptsOutOrFlagsPhrase(string body, string why)
    {
        var match = KeywordParser.Parse(body);

        Assert.True(match.Kind == KeywordKind.OptOut || match.IsRevocationPhrase, $"'{body}' should revoke: {why}");
    }

    [Theory]
    [MemberData(nameof(NonRevocations))]
    public void Parse_OrdinaryConversation_DoesNotRevoke(string body, string why)
    {
        var match = KeywordParser.Parse(body);

        Assert.True(match is { Kind: KeywordKind.None, IsRevocationPhrase: false }, $"'{body}' should not revoke ({match}): {why}");
    }

    public static TheoryData<string, KeywordKind, string, string> CanonicalKeywords { get; } = new()
    {
        { "ＳＴＯＰ", KeywordKind.OptOut, "STOP", "full-width letters" },
        { "STOP!!! 😡", KeywordKind.OptOut, "STOP", "emoji and punctuation leave the keyword" },
        { "Stop\u00A0all", KeywordKind.OptOut, "STOPALL", "two words recorded as the carrier's one" },
        { "opt-out", KeywordKind.OptOut, "OPTOUT", "hyphenated spelling recorded as one word" },
        { "Opt out", KeywordKind.OptOut, "OPTOUT", "spaced spelling recorded as one word" },
        { "alto", KeywordKind.OptOut, "ALTO", "Spanish opt-out" },
        { "Cancelar", KeywordKind.OptOut, "CANCELAR", "Spanish opt-out" },
        { "y", KeywordKind.OptIn, "Y", "the double opt-in answer; the grain checks one is pending" },
        { "Y.", KeywordKind.OptIn, "Y", "with a period" },
        { "ＳＴＡＲＴ", KeywordKind.OptIn, "START", "full-width letters" },
        { "ayuda", KeywordKind.Help, "AYUDA", "Spanish help" },
        { "“HELP”", KeywordKind.Help, "HELP", "typographic quotes" },
    };

    [Theory]
    [MemberData(nameof(CanonicalKeywords))]
    public void Parse_KeywordInAnyForm_RecordsCanonicalWord(string body, KeywordKind kind, string keyword, string why)
    {
        var match = KeywordParser.Parse(body);

        Assert.True(match == new KeywordMatch(kind, keyword, false), $"'{body}' gave {match}: {why}");
    }

    [Fact]
    public void Parse_WhatsAppStopPromotionsButton_IsAPhraseNotAKeyword()
    {
        var match = KeywordParser.Parse("Stop promotions");

        Assert.Equal(new KeywordMatch(KeywordKind.None, null, true), match);
    }

    [Theory]
    [InlineData("  Ｄｏｎ’ｔ  text\u00A0me 😡!! ", "don't text me")]
    [InlineData("STOP\u200D", "stop")]
    [InlineData("👍🏽stop👍🏽", "stop")]
    [InlineData("stop😡all", "stop all")]
    [InlineData("opt\u2013out", "opt-out")]
    [InlineData("wrong #", "wrong #")]
    [InlineData("No me escribas MÁS", "no me escribas más")]
    [InlineData("line\r\nbreak", "line break")]
    [InlineData("🙏", "")]
    [InlineData(null, "")]
    public void Normalize_Body_GivesMatchingForm(string? body, string expected)
    {
        Assert.Equal(expected, KeywordParser.Normalize(body));
    }

    [Fact]
    public void Parse_LoneSurrogate_IsDroppedNotThrown()
    {
        Assert.Equal("stop", KeywordParser.Normalize("\uD83DSTOP\uDE21"));
        Assert.Equal(KeywordKind.OptOut, KeywordParser.Parse("\uDE21STOP\uD83D").Kind);
    }
}
