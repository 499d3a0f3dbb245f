using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>Reads what the webhook endpoints recorded as unusable, the way an operator would.</summary>
internal static class RejectedWebhooks
{
    /// <summary>The tenant's newest rejected webhook items (one page of 200), through ListRejectedWebhooks.</summary>
    public static async Task<IReadOnlyList<V1.RejectedWebhook>> ListRejectedAsync(this GatewayFixture fixture, TestTenant tenant) =>
        (await new V1.WebhookService.WebhookServiceClient(fixture.Grpc).ListRejectedWebhooksAsync(
            new V1.ListRejectedWebhooksRequest { TenantId = tenant.Id, PageSize = 200 }, fixture.AdminAuth)).Items;
}
