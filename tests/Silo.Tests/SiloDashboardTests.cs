using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Engine.TestSupport;

namespace Engine.Silo.Tests;

/// <summary>The Orleans Dashboard on a Silo process's listener (Silo:Dashboard): the admin key's, or nobody's.</summary>
public sealed class SiloDashboardTests
{
    private const string AdminKey = "dashboard-tests-admin-key";

    [Fact]
    public async Task Dashboard_WhenEnabled_AnswersTheAdminKeyOnly_FromTheSilosOwnServices()
    {
        await using var silo = await StartSiloAsync(dashboard: true);

        using var anonymous = await silo.Http.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        using var wrongKey = await GetAsync(silo.Http, "/dashboard/", new AuthenticationHeaderValue("Bearer", "not-the-key"));
        using var page = await GetAsync(silo.Http, "/dashboard/", new AuthenticationHeaderValue("Bearer", AdminKey));
        // What a browser sends once it has asked for the password; the page's own calls reach the silo's grains.
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{AdminKey}")));
        var counters = await Eventually.GetAsync(async () =>
        {
            using var response = await GetAsync(silo.Http, "/dashboard/DashboardCounters", basic);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }, r => r.StatusCode == HttpStatusCode.OK && r.Body.Contains("\"totalActiveHostCount\":1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the dashboard to count this silo");
        using var unknownPath = await silo.Http.GetAsync(new Uri("/dashboard/no-such-page", UriKind.Relative));
        using var grainState = await GetAsync(silo.Http, "/dashboard/GrainState?grainId=t1&grainType=Engine.Grains.Tenants.TenantGrain", basic);
        using var logStream = await GetAsync(silo.Http, "/dashboard/Trace", basic);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"hosts\":[{", counters.Body, StringComparison.Ordinal); // this silo, as the dashboard grain saw it
        Assert.Equal(HttpStatusCode.Unauthorized, unknownPath.StatusCode); // nothing under /dashboard answers a stranger, not even a 404
        Assert.Equal(HttpStatusCode.Forbidden, grainState.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, logStream.StatusCode);
    }

    [Fact]
    public async Task Dashboard_WhenDisabled_IsNotThere_EvenForTheAdminKey()
    {
        await using var silo = await StartSiloAsync(dashboard: false);

        using var response = await GetAsync(silo.Http, "/dashboard/", new AuthenticationHeaderValue("Bearer", AdminKey));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_WithoutAnAdminKey_ExitsWithOneLineNamingTheSetting()
    {
        await using var process = EngineProcess.Start("Silo", new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=engine;Timeout=3",
            ["Silo__HttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Silo__Dashboard"] = "true",
        });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("Silo:Dashboard is set but Engine:AdminApiKey is not", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, AuthenticationHeaderValue authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)) { Headers = { Authorization = authorization } };
        return await http.SendAsync(request);
    }

    // A silo on a database of its own, once it is ready.
    private static async Task<RunningSilo> StartSiloAsync(bool dashboard)
    {
        var port = FreePorts.Next();
        var process = EngineProcess.Start("Silo", new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = await TestServices.CreateDatabaseAsync("dashboard"),
            ["Orleans__ClusterId"] = $"d{Guid.NewGuid():N}"[..12],
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Silo__HttpUrl"] = $"http://127.0.0.1:{port}",
            ["Silo__Dashboard"] = dashboard ? "true" : "false",
            ["Engine__AdminApiKey"] = AdminKey,
        });
        var silo = new RunningSilo(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) });
        await Eventually.GetAsync(async () =>
        {
            using var ready = await silo.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
            return ready.StatusCode;
        }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(90), $"the silo to be ready\n{process.Output}");
        return silo;
    }

    private sealed record RunningSilo(EngineProcess Process, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Process.DisposeAsync();
        }
    }
}
