using System.Text;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Storage.RejectedWebhooks;

namespace Engine.Grains.Tests.Storage;

public sealed class RejectedWebhookTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_SameItemTwice_GivesTheSameId_AndAnotherTenantOrItemAnotherOne()
    {
        var first = RejectedWebhook.Create("t1", Provider.Meta, "message", "missing_from", "messages[].from is missing", """{"id":"a"}""", At);
        var again = RejectedWebhook.Create("t1", Provider.Meta, "message", "missing_from", "messages[].from is missing", """{"id":"a"}""", At.AddMinutes(5));
        var otherTenant = RejectedWebhook.Create("t2", Provider.Meta, "message", "missing_from", "messages[].from is missing", """{"id":"a"}""", At);
        var otherItem = RejectedWebhook.Create("t1", Provider.Meta, "message", "missing_from", "messages[].from is missing", """{"id":"b"}""", At);

        Assert.Equal(first.Id, again.Id);
        Assert.NotEqual(first.Id, otherTenant.Id);
        Assert.NotEqual(first.Id, otherItem.Id);
        Assert.Matches("^[0-9a-f]{32}$", first.Id);
    }

    [Fact]
    public void Create_RawOverTheCap_IsCutAtACharacterBoundary_AndMarked()
    {
        // 'é' is two bytes in UTF-8, so the cap falls in the middle of one unless the cut backs off.
        var raw = "{\"body\":\"" + new string('é', RejectedWebhook.MaxRawBytes) + "\"}";

        var rejected = RejectedWebhook.Create("t1", Provider.Twilio, "inbound", "missing_from", "From is missing", raw, At);

        Assert.True(rejected.RawTruncated);
        Assert.InRange(Encoding.UTF8.GetByteCount(rejected.Raw), RejectedWebhook.MaxRawBytes - 1, RejectedWebhook.MaxRawBytes);
        Assert.StartsWith(rejected.Raw, raw, StringComparison.Ordinal);
        Assert.Equal('é', rejected.Raw[^1]);
    }

    [Fact]
    public void Create_SmallRawAndLongReason_KeepsTheRaw_AndCutsTheReason()
    {
        var rejected = RejectedWebhook.Create("t1", Provider.Meta, "status", "invalid_recipient_id", new string('x', 5_000), "{}", At);

        Assert.Equal(("{}", false), (rejected.Raw, rejected.RawTruncated));
        Assert.Equal(RejectedWebhook.MaxReasonLength, rejected.Reason.Length);
    }

    [Fact]
    public void Create_CutsTheTimeToMicroseconds_AsPostgreSqlKeepsIt()
    {
        var rejected = RejectedWebhook.Create("t1", Provider.Meta, "status", "missing_id", "statuses[].id is missing", "{}", At.AddTicks(1_234_567));

        Assert.Equal(At.AddTicks(1_234_560), rejected.ReceivedAt);
    }
}
