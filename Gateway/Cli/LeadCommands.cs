using System.CommandLine;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>engine leads upsert|get|import.</summary>
internal static class LeadCommands
{
    public static Command Create()
    {
        var leads = new Command("leads", "Create, update, read and import leads");
        leads.Subcommands.Add(Upsert());
        leads.Subcommands.Add(Get());
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
}
