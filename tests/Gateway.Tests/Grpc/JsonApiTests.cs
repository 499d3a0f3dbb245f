using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Engine.TestSupport;

namespace Engine.Gateway.Tests.Grpc;

/// <summary>The HTTP/JSON face of the gRPC API, called as an integrator without gRPC would: plain HTTP/1.1 and JSON.</summary>
[Collection(GatewayCollection.Name)]
public sealed class JsonApiTests(GatewayFixture fixture)
{
    [Fact]
    public async Task QuickstartFlow_OverJson_CreatesTenant_SendsMessage_AndReadsItBack()
    {
        var tenant = $"json-{Guid.NewGuid():N}"[..16];
        const string phone = "+14155550142";

        var created = await CallAsync(HttpMethod.Post, "/v1/tenants", GatewayFixture.AdminKey, new JsonObject
        {
            ["tenantId"] = tenant,
            ["settings"] = new JsonObject
            {
                ["displayName"] = "Json Motors",
                ["sms"] = new JsonObject { ["accountSid"] = "AC" + new string('5', 32), ["authToken"] = "json-token", ["fromNumber"] = "+14155550100" },
                ["quietHours"] = new JsonObject { ["enabled"] = false },
            },
        });
        Assert.Equal((HttpStatusCode.OK, tenant), (created.Status, created.Body["tenantId"]?.GetValue<string>()));
        Assert.Equal("", created.Body["settings"]?["sms"]?["authToken"]?.GetValue<string>()); // secrets are never returned

        var read = await CallAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", GatewayFixture.AdminKey);
        Assert.Equal("Json Motors", read.Body["settings"]?["displayName"]?.GetValue<string>());

        var lead = await CallAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/leads", GatewayFixture.AdminKey, new JsonObject { ["phone"] = "(415) 555-0142", ["name"] = "Ana" });
        Assert.Equal((HttpStatusCode.OK, true, phone), (lead.Status, lead.Body["created"]?.GetValue<bool>(), lead.Body["lead"]?["phone"]?.GetValue<string>()));

        var consent = await CallAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/leads/{Uri.EscapeDataString(phone)}/consent", GatewayFixture.AdminKey, new JsonObject
        {
            ["channel"] = "CHANNEL_SMS", ["status"] = "CONSENT_STATUS_OPTED_IN", ["source"] = "CONSENT_SOURCE_FORM", ["evidence"] = "json test form",
        });
        Assert.Equal("CONSENT_STATUS_OPTED_IN", consent.Body["consent"]?[0]?["status"]?.GetValue<string>());

        var sent = await CallAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/messages", GatewayFixture.AdminKey, new JsonObject
        {
            ["phone"] = phone, ["channel"] = "CHANNEL_SMS", ["body"] = "Hi Ana, over JSON",
        });
        Assert.Equal((HttpStatusCode.OK, "SEND_STATUS_QUEUED"), (sent.Status, sent.Body["status"]?.GetValue<string>()));

        var conversation = await Eventually.GetAsync(
            () => CallAsync(HttpMethod.Get, $"/v1/tenants/{tenant}/conversations/{Uri.EscapeDataString(phone)}?channel=CHANNEL_SMS", GatewayFixture.AdminKey),
            c => c.Body["messages"]?.AsArray().Any(m => m?["status"]?.GetValue<string>() == "delivered") == true,
            TimeSpan.FromSeconds(20), "the JSON-sent message to be delivered");
        var message = Assert.Single(conversation.Body["messages"]!.AsArray());
        Assert.Equal(("outbound", "Hi Ana, over JSON", sent.Body["messageId"]?.GetValue<string>()),
            (message?["direction"]?.GetValue<string>(), message?["body"]?.GetValue<string>(), message?["messageId"]?.GetValue<string>()));
        Assert.Contains(fixture.Simulator.Simulator.Sent, m => m.To == phone && m.Body == "Hi Ana, over JSON");
    }

    [Fact]
    public async Task InvalidField_Is400_NamingTheField_InMessageAndBadRequest()
    {
        var tenant = (await fixture.CreateTenantAsync()).Id;

        var rejected = await CallAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/leads", GatewayFixture.AdminKey, new JsonObject { ["phone"] = "not-a-phone" });

        Assert.Equal(HttpStatusCode.BadRequest, rejected.Status);
        Assert.Equal(3, rejected.Body["code"]?.GetValue<int>()); // INVALID_ARGUMENT
        Assert.StartsWith("phone:", rejected.Body["message"]?.GetValue<string>(), StringComparison.Ordinal);
        var detail = Assert.Single(rejected.Body["details"]!.AsArray());
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail?["@type"]?.GetValue<string>());
        Assert.Equal("phone", detail?["fieldViolations"]?[0]?["field"]?.GetValue<string>());
    }

    [Fact]
    public async Task ListLeads_OverJson_FiltersByTag_AndPagesWithTheToken()
    {
        var tenant = (await fixture.CreateTenantAsync()).Id;
        foreach (var (phone, tag) in new[] { ("+14155550171", "vip"), ("+14155550172", "cold"), ("+14155550173", "vip") })
        {
            await CallAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/leads", GatewayFixture.AdminKey, new JsonObject { ["phone"] = phone, ["tags"] = new JsonArray(tag) });
        }

        var first = await CallAsync(HttpMethod.Get, $"/v1/tenants/{tenant}/leads?tag=vip&pageSize=1", GatewayFixture.AdminKey);
        var token = first.Body["nextPageToken"]?.GetValue<string>();
        var second = await CallAsync(HttpMethod.Get, $"/v1/tenants/{tenant}/leads?tag=vip&pageSize=1&pageToken={Uri.EscapeDataString(token ?? "")}", GatewayFixture.AdminKey);

        Assert.Equal((HttpStatusCode.OK, "+14155550173"), (first.Status, first.Body["leads"]?[0]?["phone"]?.GetValue<string>()));
        Assert.Equal("+14155550171", Assert.Single(second.Body["leads"]!.AsArray())?["phone"]?.GetValue<string>());
        Assert.Equal("", second.Body["nextPageToken"]?.GetValue<string>()); // empty: the last page
        var refused = await CallAsync(HttpMethod.Get, $"/v1/tenants/{tenant}/leads?pageToken=garbage", GatewayFixture.AdminKey);
        Assert.Equal((HttpStatusCode.BadRequest, "page_token"), (refused.Status, refused.Body["details"]?[0]?["fieldViolations"]?[0]?["field"]?.GetValue<string>()));
    }

    [Fact]
    public async Task ErrorsAnswerTheHttpStatusOfTheirGrpcCode()
    {
        var tenant = (await fixture.CreateTenantAsync()).Id;

        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", key: null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", "not-a-key")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(HttpMethod.Get, "/v1/tenants/no-such-tenant", GatewayFixture.AdminKey)).Status);
        var taken = await CallAsync(HttpMethod.Post, "/v1/tenants", GatewayFixture.AdminKey, new JsonObject { ["tenantId"] = tenant, ["settings"] = new JsonObject { ["displayName"] = "Again" } });
        Assert.Equal(HttpStatusCode.Conflict, taken.Status);
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> CallAsync(HttpMethod method, string path, string? key, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await fixture.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text.Length == 0 ? "{}" : text)!);
    }
}
