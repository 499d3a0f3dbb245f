using System.Net;
using System.Text.Json;

namespace Engine.Gateway.Tests.Hosting;

/// <summary>What an orchestrator sees: the silo's and the gateway's probes, and which dependency a failed one names.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ProbeTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Silo_AnswersLiveness_AndIsReady_OnceActiveWithPostgres()
    {
        var live = await fixture.SiloHttp.GetAsync(new Uri("/healthz", UriKind.Relative));
        var (status, checks) = await ReadyAsync(fixture.SiloHttp);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("Healthy", "Healthy"), (checks["cluster"], checks["postgres"]));
    }

    [Fact]
    public async Task GatewayReadiness_NamesTheDependencyThatFailed()
    {
        await fixture.Redis.StopAsync();
        try
        {
            var (status, checks) = await ReadyAsync(fixture.Http);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal(("Unhealthy", "Healthy", "Healthy"), (checks["redis"], checks["postgres"], checks["cluster"]));
        }
        finally
        {
            await fixture.Redis.StartAsync();
        }

        await Engine.TestSupport.Eventually.GetAsync(() => ReadyAsync(fixture.Http), ready => ready.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the gateway to be ready again once Redis is back");
    }

    /// <summary>The /readyz answer: its status code and each check's status by name.</summary>
    internal static async Task<(HttpStatusCode Status, Dictionary<string, string> Checks)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetProperty("status").GetString()!);
        return (response.StatusCode, checks);
    }
}
