using Engine.TestSupport;
using System.Net;

namespace Engine.Gateway.Tests.Webhooks;

[Collection(GatewayCollection.Name)]
public sealed class RedisOutageTests(GatewayFixture fixture)
{
    [Fact]
    public async Task RedisStoppedMidStream_LosesNothing_AndDoublesNothing()
    {
        var tenant = await fixture.CreateTenantAsync();
        var sids = Enumerable.Range(0, 40).Select(i => $"SM{Guid.NewGuid():N}").ToArray();

        try
        {
            for (var i = 0; i < sids.Length; i++)
            {
                if (i == sids.Length / 2)
                {
                    await fixture.Redis.StopAsync();
                }

                var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}",
                    Signed.TwilioInbound(sids[i], $"+1212555{1000 + i}", $"message {i}")));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            // Every webhook again, as a provider retrying after timeouts would, with Redis still down.
            foreach (var (sid, i) in sids.Select((s, i) => (s, i)))
            {
                var retry = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}",
                    Signed.TwilioInbound(sid, $"+1212555{1000 + i}", $"message {i}")));
                Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            }
        }
        finally
        {
            await fixture.Redis.StartAsync();
        }

        Assert.Equal(sids.Length, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1", tenant.Id));
        Assert.Equal(sids.Length, await fixture.Database.CountAsync("SELECT count(DISTINCT provider_message_id) FROM message_log WHERE tenant_id = $1", tenant.Id));
    }
}
