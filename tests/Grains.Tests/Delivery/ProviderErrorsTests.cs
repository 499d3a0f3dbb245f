using System.Net;
using Engine.Grains.Delivery;

namespace Engine.Grains.Tests.Delivery;

public sealed class ProviderErrorsTests
{
    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "20500")]
    [InlineData(HttpStatusCode.BadGateway, null)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "131000")]
    [InlineData(HttpStatusCode.GatewayTimeout, null)]
    public void ServerErrors_LeaveTheOutcomeUnknown(HttpStatusCode status, string? code) =>
        Assert.Equal(HandOff.Unknown, ProviderErrors.OutcomeOf(status, code));

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, "20429")]
    [InlineData(HttpStatusCode.BadRequest, "131056")]
    [InlineData(HttpStatusCode.BadRequest, "130429")]
    public void RateLimits_AreRefusalsForNow(HttpStatusCode status, string? code) =>
        Assert.Equal(HandOff.Transient, ProviderErrors.OutcomeOf(status, code));

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "21211")]
    [InlineData(HttpStatusCode.Unauthorized, "20003")]
    [InlineData(HttpStatusCode.BadRequest, "21610")]
    public void OtherRefusals_AreForGood(HttpStatusCode status, string? code) =>
        Assert.Equal(HandOff.Permanent, ProviderErrors.OutcomeOf(status, code));
}
