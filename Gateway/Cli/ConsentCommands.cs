using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>engine consent record|history: a lead's consent and its ledger.</summary>
internal static class ConsentCommands
{
    public static Command Create()
    {
        var consent = new Command("consent", "Record a lead's consent and read its history");
        consent.Subcommands.Add(Record());
        consent.Subcommands.Add(History());
        return consent;
    }

    private static Command Record()
    {
        var (tenant, phone, userId, channel) = (LeadOptions.Tenant(), LeadOptions.Phone(), LeadOptions.WhatsAppUserId(), LeadOptions.Channel());
        var status = new Option<string>("--status") { Description = "opted-in or opted-out", Required = true };
        var source = new Option<string>("--source") { Description = "form, api, import or user-request", DefaultValueFactory = _ => "api" };
        var evidence = new Option<string>("--evidence") { Description = "What proves it (form id, recording, ticket)", Required = true };
        var occurredAt = new Option<DateTimeOffset?>("--occurred-at") { Description = "When the person gave or withdrew it (default: now)" };
        var key = new Option<string?>("--idempotency-key") { Description = "Makes a retried call land once" };
        var command = new Command("record", "Record consent given or withdrawn") { tenant, phone, userId, channel, status, source, evidence, occurredAt, key };
        command.SetCliAction(async (parsed, cli) =>
        {
            var lead = LeadOptions.Lead(parsed, phone, userId);
            var request = new V1.RecordConsentRequest
            {
                TenantId = parsed.GetValue(tenant)!, Phone = lead.Phone, WhatsappUserId = lead.WhatsAppUserId,
                Channel = LeadOptions.ChannelOf(parsed, channel),
                Status = CliOutput.Enum<V1.ConsentStatus>(parsed.GetValue(status)!, "--status"),
                Source = CliOutput.Enum<V1.ConsentSource>(parsed.GetValue(source)!, "--source"),
                Evidence = parsed.GetValue(evidence)!,
                OccurredAt = parsed.GetValue(occurredAt) is { } at ? Timestamp.FromDateTimeOffset(at) : null,
                IdempotencyKey = parsed.GetValue(key) ?? "",
            };
            CliOutput.Json(await new V1.LeadService.LeadServiceClient(cli.Channel).RecordConsentAsync(request, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }

    private static Command History()
    {
        var (tenant, phone, userId) = (LeadOptions.Tenant(), LeadOptions.Phone(), LeadOptions.WhatsAppUserId());
        var command = new Command("history", "Every consent change of a lead, oldest first, as recorded") { tenant, phone, userId };
        command.SetCliAction(async (parsed, cli) =>
        {
            var lead = LeadOptions.Lead(parsed, phone, userId);
            var client = new V1.LeadService.LeadServiceClient(cli.Channel);
            var table = new Table().AddColumns("Occurred", "Channel", "From", "To", "Source", "Evidence", "Superseded");
            var request = new V1.ListConsentHistoryRequest { TenantId = parsed.GetValue(tenant)!, Phone = lead.Phone, WhatsappUserId = lead.WhatsAppUserId, PageSize = 100 };
            do
            {
                var page = await client.ListConsentHistoryAsync(request, cli.Call);
                foreach (var entry in page.Entries)
                {
                    table.AddRow(CliOutput.Time(entry.OccurredAt), CliOutput.Name(entry.Channel), CliOutput.Name(entry.PreviousStatus), CliOutput.Name(entry.Status),
                        CliOutput.Name(entry.Source), Markup.Escape(entry.Evidence), entry.Superseded ? "yes" : "");
                }

                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            cli.Console.Write(table);
            return EngineCommand.Done;
        });
        return command;
    }
}
