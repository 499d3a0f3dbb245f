using System.Diagnostics;
using Engine.Grains.Telemetry;

namespace Engine.Grains.Tests.Telemetry;

public sealed class PersonalDataRedactorTests
{
    [Theory]
    [InlineData("lead/acme/+12125551234", "lead/acme/[redacted]")]
    [InlineData("conversation/acme/+447911123456/sms", "conversation/acme/[redacted]/sms")]
    [InlineData("whatsapp-user/acme/US.13491208655302741918", "whatsapp-user/acme/[redacted]")]
    [InlineData("lead/acme/US.ENT.5678", "lead/acme/[redacted]")]
    [InlineData("'+12125551234' is not a valid mobile number", "'[redacted]' is not a valid mobile number")]
    public void Redact_RemovesNumbersAndWhatsAppUserIds(string text, string expected) =>
        Assert.Equal(expected, PersonalDataRedactor.Redact(text));

    [Theory]
    [InlineData("Engine.Grains.Abstractions.Leads.ILeadGrain/UpsertAsync")]
    [InlineData("SELECT m.status, ml.message_id FROM message_log ml WHERE ml.tenant_id = $1")]
    [InlineData("sender/acme/sms")]
    [InlineData("7714a73f-01d8-8fda-8073-9c3eafa7bf49")]
    [InlineData("sys.svc.manifest/127.0.0.1:41045@155181981")]
    public void Redact_LeavesIdsAndNamesAlone(string text) =>
        Assert.Same(text, PersonalDataRedactor.Redact(text));

    [Fact]
    public void OnEnd_RedactsEveryStringAttribute_TheNameAndTheStatus()
    {
        using var activity = new Activity("call +12125551234").Start();
        activity.SetTag("orleans.rpc.target_id", "lead/acme/+12125551234").SetTag("engine.tenant.id", "acme").SetTag("count", 3);
        activity.SetStatus(ActivityStatusCode.Error, "no lead US.13491208655302741918");
        activity.Stop();

        new PersonalDataRedactor().OnEnd(activity);

        Assert.Equal(("call [redacted]", "lead/acme/[redacted]", "acme", 3), (activity.DisplayName, activity.GetTagItem("orleans.rpc.target_id"), activity.GetTagItem("engine.tenant.id"), activity.GetTagItem("count")));
        Assert.Equal("no lead [redacted]", activity.StatusDescription);
    }
}
