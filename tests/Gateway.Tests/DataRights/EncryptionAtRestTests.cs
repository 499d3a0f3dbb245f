using System.Text;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Events;
using Engine.Gateway.Tests.Webhooks;
using Engine.TestSupport;

namespace Engine.Gateway.Tests.DataRights;

[Collection(GatewayCollection.Name)]
public sealed class EncryptionAtRestTests(GatewayFixture fixture)
{
    [Fact]
    public async Task AfterSecretsAMessageEachWayAndAPartnerWebhook_NoColumnOfAnyTableHoldsThemOrTheLeadsNameInClear()
    {
        var tenant = await fixture.CreateTenantAsync();
        var accessToken = $"wa-access-{Guid.NewGuid():N}";
        var tenants = new TenantService.TenantServiceClient(fixture.Grpc);
        var settings = (await tenants.GetTenantAsync(new GetTenantRequest { TenantId = tenant.Id }, fixture.AdminAuth)).Settings;
        settings.Whatsapp.AccessToken = accessToken; // the other secrets, left empty, keep their values
        await tenants.UpdateTenantSettingsAsync(new UpdateTenantSettingsRequest { TenantId = tenant.Id, Settings = settings }, fixture.AdminAuth);
        await using var partner = await PartnerServer.StartAsync(failFirst: 0);
        var subscription = await new PartnerWebhookService.PartnerWebhookServiceClient(fixture.Grpc).CreateSubscriptionAsync(
            new CreateSubscriptionRequest { TenantId = tenant.Id, Url = partner.Url }, fixture.AdminAuth);
        const string phone = "+12125550161";
        var (outboundBody, inboundBody, leadName) = ($"outbound body {Guid.NewGuid():N}", $"inbound body {Guid.NewGuid():N}", $"Ana {Guid.NewGuid():N}");
        var leads = new LeadService.LeadServiceClient(fixture.Grpc);
        await leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = phone, Name = leadName }, fixture.AdminAuth);
        await leads.RecordConsentAsync(new RecordConsentRequest { TenantId = tenant.Id, Phone = phone, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form }, fixture.AdminAuth);

        await new ConversationService.ConversationServiceClient(fixture.Grpc).SendMessageAsync(
            new SendMessageRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = outboundBody }, fixture.AdminAuth);
        await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound($"SM{Guid.NewGuid():N}", phone, inboundBody)));

        // Everything has been written: both bodies reached the partner, so the log, the events and the
        // partner's delivery state are stored; the API reads both bodies back.
        await Eventually.GetAsync(() => Task.FromResult(partner.Received.Count(r => r.Body.Contains(outboundBody, StringComparison.Ordinal) || r.Body.Contains(inboundBody, StringComparison.Ordinal))),
            count => count >= 2, TimeSpan.FromSeconds(30), "both messages' events at the partner");
        var conversation = await new ConversationService.ConversationServiceClient(fixture.Grpc).GetConversationAsync(
            new GetConversationRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms }, fixture.AdminAuth);
        Assert.Contains(conversation.Messages, m => m.Body == outboundBody);
        Assert.Contains(conversation.Messages, m => m.Body == inboundBody);
        Assert.True(await fixture.Database.CountAsync(
            "SELECT count(*) FROM orleansstorage WHERE grainidextensionstring LIKE '%' || $1 || '%' AND payloadbinary IS NOT NULL", tenant.Id) > 0);
        Assert.Equal(0, await fixture.Database.CountAsync(
            "SELECT count(*) FROM orleansstorage WHERE payloadbinary IS NOT NULL AND substring(payloadbinary FROM 1 FOR 4) <> '\\x454e4301'::bytea"));

        string[] secrets = [tenant.TwilioAuthToken, tenant.MetaAppSecret, accessToken, subscription.Secret, outboundBody, inboundBody, leadName];
        var found = await FindInEveryColumnAsync(secrets);
        Assert.True(found.Count == 0, $"in clear: {string.Join("; ", found)}");
    }

    // Every text-like and binary column of every table, as text and as bytes.
    private async Task<List<string>> FindInEveryColumnAsync(string[] needles)
    {
        var columns = await fixture.Database.TextRowsAsync("""
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'xml')
            """);
        Assert.Contains(columns, c => c[0] == "orleansstorage" && c[1] == "payloadbinary");
        Assert.Contains(columns, c => c[0] == "message_log" && c[1] == "body_sealed");
        var found = new List<string>();
        foreach (var column in columns)
        {
            var (table, name, type) = (column[0]!, column[1]!, column[2]!);
            var rows = await fixture.Database.RowsAsync(type == "bytea" ? $"SELECT \"{name}\" FROM \"{table}\" WHERE \"{name}\" IS NOT NULL" : $"SELECT \"{name}\"::text FROM \"{table}\" WHERE \"{name}\" IS NOT NULL");
            foreach (var value in rows.Select(r => r[0]))
            {
                var bytes = value as byte[] ?? Encoding.UTF8.GetBytes((string)value!);
                found.AddRange(needles.Where(n => bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(n)) >= 0).Select(n => $"{table}.{name} holds '{n}'"));
            }
        }

        return found;
    }
}
