using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class ConsentPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan ReplyWindow = TimeSpan.FromHours(24);
    private static readonly DateTimeOffset StoppedAt = Now.AddDays(-3);
    private static readonly ConsentRecord StoppedByKeyword = new(Channel.Sms, ConsentStatus.OptedOut, ConsentSource.Keyword, "inbound STOP", StoppedAt);
    private static readonly ConsentRecord OptedInByForm = new(Channel.Sms, ConsentStatus.OptedIn, ConsentSource.Form, "form #1", Now.AddDays(-1));

    private static ConsentDecision Evaluate(ConsentStatus status, OutboundPurpose purpose, DateTimeOffset? lastInboundAt = null) =>
        ConsentPolicy.Evaluate(status, purpose, lastInboundAt, Now, ReplyWindow);

    private static ConsentChange Change(ConsentStatus status, ConsentSource source, DateTimeOffset at, string? evidence = "evidence") =>
        new("c", Channel.Sms, status, source, evidence, at);

    [Theory]
    [InlineData(OutboundPurpose.Standard)]
    [InlineData(OutboundPurpose.HelpReply)]
    [InlineData(OutboundPurpose.OptInConfirmation)]
    [InlineData(OutboundPurpose.Automation)]
    [InlineData(OutboundPurpose.OptInRequest)]
    public void Evaluate_OptedOut_RefusesEverythingButTheStopConfirmation(OutboundPurpose purpose)
    {
        var decision = Evaluate(ConsentStatus.OptedOut, purpose, lastInboundAt: Now);

        Assert.False(decision.Allowed);
        Assert.Equal(RejectionCode.OptedOut, decision.Rejection);
    }

    [Fact]
    public void Evaluate_OptedOut_AllowsTheStopConfirmation() =>
        Assert.True(Evaluate(ConsentStatus.OptedOut, OutboundPurpose.OptOutConfirmation, Now).Allowed);

    [Fact]
    public void Evaluate_StopConfirmationToSubscribedLead_IsRefused() =>
        Assert.False(Evaluate(ConsentStatus.OptedIn, OutboundPurpose.OptOutConfirmation, Now).Allowed);

    [Theory]
    [InlineData(OutboundPurpose.Standard)]
    [InlineData(OutboundPurpose.Automation)]
    public void Evaluate_OptedIn_Allows(OutboundPurpose purpose) => Assert.True(Evaluate(ConsentStatus.OptedIn, purpose).Allowed);

    [Fact]
    public void Evaluate_UnknownLeadWhoNeverWrote_IsRefused()
    {
        var decision = Evaluate(ConsentStatus.Unknown, OutboundPurpose.Standard);

        Assert.False(decision.Allowed);
        Assert.Equal(RejectionCode.NoConsent, decision.Rejection);
    }

    [Fact]
    public void Evaluate_UnknownLeadWhoWroteWithinTheReplyWindow_MayBeAnswered() =>
        Assert.True(Evaluate(ConsentStatus.Unknown, OutboundPurpose.Standard, Now.AddHours(-23)).Allowed);

    [Fact]
    public void Evaluate_UnknownLeadWhoWroteLongAgo_IsRefused_SoOneMessageIsNotConsentForever()
    {
        var decision = Evaluate(ConsentStatus.Unknown, OutboundPurpose.Standard, Now.AddDays(-60));

        Assert.False(decision.Allowed);
        Assert.Equal(RejectionCode.NoConsent, decision.Rejection);
        Assert.Contains("24 h", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ConsentStatus.Unknown)]
    [InlineData(ConsentStatus.Pending)]
    public void Evaluate_AutomationWithoutOptIn_IsRefusedEvenRightAfterTheLeadWrote(ConsentStatus status) =>
        Assert.Equal(RejectionCode.NoConsent, Evaluate(status, OutboundPurpose.Automation, Now).Rejection);

    [Theory]
    [InlineData(ConsentStatus.Unknown)]
    [InlineData(ConsentStatus.Pending)]
    public void Evaluate_DoubleOptInRequest_MayGoToALeadWithoutConsent(ConsentStatus status) =>
        Assert.True(Evaluate(status, OutboundPurpose.OptInRequest).Allowed);

    [Fact]
    public void Decide_NothingRecorded_Applies() =>
        Assert.Equal(ConsentOutcome.Applied, ConsentPolicy.Decide(null, Change(ConsentStatus.OptedIn, ConsentSource.Import, Now)).Outcome);

    [Theory]
    [InlineData(ConsentSource.Import)]
    [InlineData(ConsentSource.Api)]
    public void Decide_BusinessOptInOverTheRevocation_IsRefusedNamingIt(ConsentSource source)
    {
        var transition = ConsentPolicy.Decide(StoppedByKeyword, Change(ConsentStatus.OptedIn, source, Now));

        Assert.Equal(ConsentOutcome.Refused, transition.Outcome);
        Assert.Contains(StoppedAt.ToString("O"), transition.Reason, StringComparison.Ordinal);
        Assert.Contains("keyword", transition.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ConsentSource.Form)]
    [InlineData(ConsentSource.UserRequest)]
    public void Decide_LaterFormOrUserRequestWithEvidence_ReversesTheRevocation(ConsentSource source) =>
        Assert.Equal(ConsentOutcome.Applied, ConsentPolicy.Decide(StoppedByKeyword, Change(ConsentStatus.OptedIn, source, StoppedAt.AddMinutes(1))).Outcome);

    [Fact]
    public void Decide_FormDatedBeforeTheRevocation_IsRefused() =>
        Assert.Equal(ConsentOutcome.Refused, ConsentPolicy.Decide(StoppedByKeyword, Change(ConsentStatus.OptedIn, ConsentSource.Form, StoppedAt.AddMinutes(-1))).Outcome);

    [Fact]
    public void Decide_FormWithoutEvidence_IsRefused() =>
        Assert.Equal(ConsentOutcome.Refused, ConsentPolicy.Decide(StoppedByKeyword, Change(ConsentStatus.OptedIn, ConsentSource.Form, Now, evidence: " ")).Outcome);

    [Fact]
    public void Decide_ThePersonsOwnStart_ReversesTheRevocation() =>
        Assert.Equal(ConsentOutcome.Applied, ConsentPolicy.Decide(StoppedByKeyword, Change(ConsentStatus.OptedIn, ConsentSource.Keyword, Now)).Outcome);

    [Fact]
    public void Decide_PendingRequestOverTheRevocation_IsRefused() =>
        Assert.Equal(ConsentOutcome.Refused, ConsentPolicy.Decide(StoppedByKeyword, Change(ConsentStatus.Pending, ConsentSource.Api, Now)).Outcome);

    [Fact]
    public void Decide_OlderBusinessChange_IsSuperseded()
    {
        var transition = ConsentPolicy.Decide(OptedInByForm, Change(ConsentStatus.OptedOut, ConsentSource.Api, OptedInByForm.ChangedAt.AddHours(-1)));

        Assert.Equal(ConsentOutcome.Superseded, transition.Outcome);
    }

    [Fact]
    public void Decide_ThePersonsStopWithAnOlderTimestamp_StillApplies() =>
        Assert.Equal(ConsentOutcome.Applied, ConsentPolicy.Decide(OptedInByForm, Change(ConsentStatus.OptedOut, ConsentSource.Keyword, OptedInByForm.ChangedAt.AddMinutes(-5))).Outcome);

    [Fact]
    public void Decide_RepeatedOptOut_IsNoNews() =>
        Assert.Equal(ConsentOutcome.Unchanged, ConsentPolicy.Decide(StoppedByKeyword, Change(ConsentStatus.OptedOut, ConsentSource.Api, Now)).Outcome);

    [Fact]
    public void Decide_FreshEvidenceOfAnOptIn_IsRecorded() =>
        Assert.Equal(ConsentOutcome.Applied, ConsentPolicy.Decide(OptedInByForm, Change(ConsentStatus.OptedIn, ConsentSource.Form, Now, "form #2")).Outcome);

    [Fact]
    public void ConfirmsPendingOptIn_OnlyWithinTheWindow()
    {
        var pending = new ConsentRecord(Channel.Sms, ConsentStatus.Pending, ConsentSource.Api, "requested", Now.AddHours(-47));

        Assert.True(ConsentPolicy.ConfirmsPendingOptIn(pending, Now, TimeSpan.FromHours(48)));
        Assert.False(ConsentPolicy.ConfirmsPendingOptIn(pending, Now.AddHours(2), TimeSpan.FromHours(48)));
        Assert.False(ConsentPolicy.ConfirmsPendingOptIn(null, Now, TimeSpan.FromHours(48)));
    }
}
