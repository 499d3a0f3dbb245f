using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class DeliveryStatusPolicyTests
{
    [Theory]
    [InlineData(DeliveryStatus.Queued, DeliveryStatus.Sending, true)]
    [InlineData(DeliveryStatus.Queued, DeliveryStatus.Delivered, true)]
    [InlineData(DeliveryStatus.Sent, DeliveryStatus.Delivered, true)]
    [InlineData(DeliveryStatus.Delivered, DeliveryStatus.Read, true)]
    [InlineData(DeliveryStatus.Sent, DeliveryStatus.Failed, true)]
    [InlineData(DeliveryStatus.Sent, DeliveryStatus.Undelivered, true)]
    [InlineData(DeliveryStatus.Delivered, DeliveryStatus.Sent, false)]
    [InlineData(DeliveryStatus.Read, DeliveryStatus.Delivered, false)]
    [InlineData(DeliveryStatus.Delivered, DeliveryStatus.Delivered, false)]
    [InlineData(DeliveryStatus.Failed, DeliveryStatus.Delivered, false)]
    [InlineData(DeliveryStatus.Failed, DeliveryStatus.Read, false)]
    [InlineData(DeliveryStatus.Read, DeliveryStatus.Failed, false)]
    [InlineData(DeliveryStatus.Undelivered, DeliveryStatus.Sent, false)]
    public void CanAdvance_MovesOnlyForward(DeliveryStatus current, DeliveryStatus next, bool expected) =>
        Assert.Equal(expected, DeliveryStatusPolicy.CanAdvance(current, next));
}
