using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class ConsentPolicyTests
{
    [Theory]
    [InlineData(OutboundPurpose.Standard)]
    [InlineData(OutboundPurpose.HelpReply)]
    [InlineData(OutboundPurpose.OptInConfirmation)]
    public void Evaluate_OptedOut_RefusesEverythingButTheStopConfirmation(OutboundPurpose purpose)
    {
        var decision = ConsentPolicy.Evaluate(ConsentStatus.OptedOut, purpose, leadWroteIn: true);

        Assert.False(decision.Allowed);
        Assert.Equal(RejectionCode.OptedOut, decision.Rejection);
    }

    [Fact]
    public void Evaluate_OptedOut_AllowsTheStopConfirmation() =>
        Assert.True(ConsentPolicy.Evaluate(ConsentStatus.OptedOut, OutboundPurpose.OptOutConfirmation, true).Allowed);

    [Fact]
    public void Evaluate_StopConfirmationToSubscribedLead_IsRefused() =>
        Assert.False(ConsentPolicy.Evaluate(ConsentStatus.OptedIn, OutboundPurpose.OptOutConfirmation, true).Allowed);

    [Fact]
    public void Evaluate_OptedIn_Allows() => Assert.True(ConsentPolicy.Evaluate(ConsentStatus.OptedIn, OutboundPurpose.Standard, false).Allowed);

    [Fact]
    public void Evaluate_UnknownLeadWhoNeverWrote_IsRefused()
    {
        var decision = ConsentPolicy.Evaluate(ConsentStatus.Unknown, OutboundPurpose.Standard, leadWroteIn: false);

        Assert.False(decision.Allowed);
        Assert.Equal(RejectionCode.NoConsent, decision.Rejection);
    }

    [Fact]
    public void Evaluate_UnknownLeadWhoWroteIn_MayBeAnswered() =>
        Assert.True(ConsentPolicy.Evaluate(ConsentStatus.Unknown, OutboundPurpose.Standard, leadWroteIn: true).Allowed);
}
