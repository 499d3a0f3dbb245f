using System.CommandLine;
using Spectre.Console;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>engine leads upsert|get|list|import.</summary>
internal static class LeadCommands
{
    public static Command Create()
    {
        var leads = new Command("leads", "Create, update, read and import leads");
        leads.Subcommands.Add(Upsert());
        leads.Subcommands.Add(Get());
        leads.Subcommands.Add(List());
        leads.Subcommands.Add(LeadImport.Create());
        return leads;
    }

    private static Command Upsert()
    {
        var (tenant, phone, userId) = (LeadOptions.Tenant(), LeadOptions.Phone(), LeadOptions.WhatsAppUserId());
        var name = new Option<string?>("--name") { Description = "The person's name" };
        var email = new Option<string?>("--email") { Description = "The person's email" };
        var timeZone = new Option<string?>("--time-zone") { Description = "IANA time zone, e.g. America/New_York (quiet hours follow it)" };
        var tags = new Option<string[]>("--tag") { Description = "A tag (repeat for several)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("upsert", "Create a lead or change its profile") { tenant, phone, userId, name, email, timeZone, tags };
        command.SetCliAction(async (parsed, cli) =>
        {
            var lead = LeadOptions.Lead(parsed, phone, userId);
            var request = new V1.UpsertLeadRequest
            {
                TenantId = parsed.GetValue(tenant)!, Phone = lead.Phone, WhatsappUserId = lead.WhatsAppUserId,
                Name = parsed.GetValue(name) ?? "", Email = parsed.GetValue(email) ?? "", TimeZone = parsed.GetValue(timeZone) ?? "",
                Tags = { parsed.GetValue(tags) ?? [] },
            };
            CliOutput.Json(await new V1.LeadService.LeadServiceClient(cli.Channel).UpsertLeadAsync(request, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }

    private static Command Get()
    {
        var (tenant, phone, userId) = (LeadOptions.Tenant(), LeadOptions.Phone(), LeadOptions.WhatsAppUserId());
        var command = new Command("get", "Show a lead with its consent per channel") { tenant, phone, userId };
        command.SetCliAction(async (parsed, cli) =>
        {
            var lead = LeadOptions.Lead(parsed, phone, userId);
            var request = new V1.GetLeadRequest { TenantId = parsed.GetValue(tenant)!, Phone = lead.Phone, WhatsappUserId = lead.WhatsAppUserId };
            CliOutput.Json(await new V1.LeadService.LeadServiceClient(cli.Channel).GetLeadAsync(request, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }

    private static Command List()
    {
        var tenant = LeadOptions.Tenant();
        var tag = new Option<string?>("--tag") { Description = "Only leads with this tag" };
        var stage = new Option<string?>("--stage") { Description = "Only leads at this stage" };
        var consentChannel = new Option<string?>("--consent-channel") { Description = "sms or whatsapp: the channel --consent-status applies to" };
        var consentStatus = new Option<string?>("--consent-status") { Description = "opted-in, opted-out, pending or unknown (nothing recorded)" };
        var pageSize = new Option<int>("--page-size") { Description = "Leads per page", DefaultValueFactory = _ => 50 };
        var pageToken = new Option<string?>("--page-token") { Description = "Where the previous page ended (printed below it)" };
        var command = new Command("list", "A tenant's leads, newest first, a page at a time") { tenant, tag, stage, consentChannel, consentStatus, pageSize, pageToken };
        command.SetCliAction(async (parsed, cli) =>
        {
            var request = new V1.ListLeadsRequest
            {
                TenantId = parsed.GetValue(tenant)!, Tag = parsed.GetValue(tag) ?? "", Stage = parsed.GetValue(stage) ?? "",
                ConsentChannel = parsed.GetValue(consentChannel) is { } channel ? CliOutput.Enum<V1.Channel>(channel, "--consent-channel") : V1.Channel.Unspecified,
                ConsentStatus = parsed.GetValue(consentStatus) is { } status ? CliOutput.Enum<V1.ConsentStatus>(status, "--consent-status") : V1.ConsentStatus.Unspecified,
                PageSize = parsed.GetValue(pageSize), PageToken = parsed.GetValue(pageToken) ?? "",
            };
            var page = await new V1.LeadService.LeadServiceClient(cli.Channel).ListLeadsAsync(request, cli.Call);
            var table = new Table().AddColumns("Lead", "Name", "Tags", "Stage", "Consent");
            foreach (var lead in page.Leads)
            {
                table.AddRow(Markup.Escape(lead.Phone.Length > 0 ? lead.Phone : lead.WhatsappUserId), Markup.Escape(lead.Name), Markup.Escape(string.Join(", ", lead.Tags)),
                    Markup.Escape(lead.Attributes.GetValueOrDefault("stage") ?? ""),
                    string.Join(", ", lead.Consent.Select(c => $"{CliOutput.Name(c.Channel)} {CliOutput.Name(c.Status)}")));
            }

            cli.Console.Write(table);
            if (page.NextPageToken.Length > 0)
            {
                cli.Console.WriteLine($"more: --page-token {page.NextPageToken}");
            }

            return EngineCommand.Done;
        });
        return command;
    }
}
