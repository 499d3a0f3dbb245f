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
}
