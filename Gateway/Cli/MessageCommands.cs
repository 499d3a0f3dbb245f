using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>engine send and engine conversation show.</summary>
internal static class MessageCommands
{
    public static Command Send()
    {
        var (tenant, phone, userId, channel) = (LeadOptions.Tenant(), LeadOptions.Phone(), LeadOptions.WhatsAppUserId(), LeadOptions.Channel());
        var body = new Option<string?>("--body", "-b") { Description = "The text (or use --template)" };
        var template = new Option<string?>("--template") { Description = "WhatsApp template name" };
        var language = new Option<string>("--language") { Description = "Template language", DefaultValueFactory = _ => "en_US" };
        var parameters = new Option<string[]>("--param") { Description = "A template parameter (repeat, in order)", AllowMultipleArgumentsPerToken = true };
        var sendAt = new Option<DateTimeOffset?>("--send-at") { Description = "Send later, at this time (ISO 8601)" };
        var key = new Option<string?>("--idempotency-key") { Description = "Makes a retried send land once" };
        var command = new Command("send", "Send a message to a lead") { tenant, phone, userId, channel, body, template, language, parameters, sendAt, key };
        command.SetCliAction(async (parsed, cli) =>
        {
            var lead = LeadOptions.Lead(parsed, phone, userId);
            var request = new V1.SendMessageRequest
            {
                TenantId = parsed.GetValue(tenant)!, Phone = lead.Phone, WhatsappUserId = lead.WhatsAppUserId, Channel = LeadOptions.ChannelOf(parsed, channel),
                SendAt = parsed.GetValue(sendAt) is { } at ? Timestamp.FromDateTimeOffset(at) : null,
                IdempotencyKey = parsed.GetValue(key) ?? "",
            };
            // body and template are one oneof: setting either replaces the other.
            switch (parsed.GetValue(body), parsed.GetValue(template))
            {
                case ({ Length: > 0 }, { Length: > 0 }):
                    throw new CliInputException("give either --body or --template, not both");
                case ({ Length: > 0 } text, _):
                    request.Body = text;
                    break;
                case (_, { Length: > 0 } name):
                    request.Template = new V1.Template { Name = name, Language = parsed.GetValue(language)!, Parameters = { parsed.GetValue(parameters) ?? [] } };
                    break;
            }

            CliOutput.Json(await new V1.ConversationService.ConversationServiceClient(cli.Channel).SendMessageAsync(request, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }

    public static Command Conversation()
    {
        var conversation = new Command("conversation", "Read conversations");
        var (tenant, phone, userId, channel) = (LeadOptions.Tenant(), LeadOptions.Phone(), LeadOptions.WhatsAppUserId(), LeadOptions.Channel());
        var pageSize = new Option<int>("--page-size") { Description = "Messages per page", DefaultValueFactory = _ => 50 };
        var pageToken = new Option<string?>("--page-token") { Description = "Where the previous page ended (printed below it)" };
        var show = new Command("show", "A conversation's messages, newest first, a page at a time") { tenant, phone, userId, channel, pageSize, pageToken };
        show.SetCliAction(async (parsed, cli) =>
        {
            var lead = LeadOptions.Lead(parsed, phone, userId);
            var page = await new V1.ConversationService.ConversationServiceClient(cli.Channel).GetConversationAsync(new V1.GetConversationRequest
            {
                TenantId = parsed.GetValue(tenant)!, Phone = lead.Phone, WhatsappUserId = lead.WhatsAppUserId, Channel = LeadOptions.ChannelOf(parsed, channel),
                PageSize = parsed.GetValue(pageSize), PageToken = parsed.GetValue(pageToken) ?? "",
            }, cli.Call);
            var table = new Table().AddColumns("Time", "", "Status", "Message");
            foreach (var message in page.Messages)
            {
                table.AddRow(CliOutput.Time(message.OccurredAt), message.Direction == "inbound" ? "<-" : "->", message.Status + (message.ErrorCode.Length > 0 ? $" ({message.ErrorCode})" : ""),
                    Markup.Escape(message.Body.Length > 0 ? message.Body : $"[{message.MessageType}]"));
            }

            cli.Console.Write(table);
            if (page.NextPageToken.Length > 0)
            {
                cli.Console.WriteLine($"more: --page-token {page.NextPageToken}");
            }

            return EngineCommand.Done;
        });
        conversation.Subcommands.Add(show);
        return conversation;
    }
}
