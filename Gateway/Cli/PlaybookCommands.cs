using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>
/// engine playbooks put FILE.yaml|list|delete. A playbook file is the API's Playbook in YAML, with the
/// field names of its JSON form (e.g. trigger: PLAYBOOK_TRIGGER_NO_REPLY, steps[].delay: 3600s).
/// </summary>
internal static class PlaybookCommands
{
    public static Command Create()
    {
        var playbooks = new Command("playbooks", "Put, list and delete a tenant's automation playbooks");
        playbooks.Subcommands.Add(Put());
        playbooks.Subcommands.Add(List());
        playbooks.Subcommands.Add(Delete());
        return playbooks;
    }

    private static Command Put()
    {
        var tenant = LeadOptions.Tenant();
        var file = new Argument<string>("file") { Description = "Playbook as YAML (or JSON)" };
        var command = new Command("put", "Create or replace a playbook") { tenant, file };
        command.SetCliAction(async (parsed, cli) =>
        {
            var playbook = Read(parsed.GetValue(file)!);
            var reply = await new V1.AutomationService.AutomationServiceClient(cli.Channel).PutPlaybookAsync(
                new V1.PutPlaybookRequest { TenantId = parsed.GetValue(tenant)!, Playbook = playbook }, cli.Call);
            CliOutput.Json(reply);
            return EngineCommand.Done;
        });
        return command;
    }

    private static Command List()
    {
        var tenant = LeadOptions.Tenant();
        var command = new Command("list", "List a tenant's playbooks") { tenant };
        command.SetCliAction(async (parsed, cli) =>
        {
            var client = new V1.AutomationService.AutomationServiceClient(cli.Channel);
            var table = new Table().AddColumns("Id", "Name", "Trigger", "Channel", "Steps");
            var request = new V1.ListPlaybooksRequest { TenantId = parsed.GetValue(tenant)! };
            do
            {
                // A tenant has few playbooks: every page goes in the one table.
                var reply = await client.ListPlaybooksAsync(request, cli.Call);
                foreach (var playbook in reply.Playbooks)
                {
                    table.AddRow(Markup.Escape(playbook.PlaybookId), Markup.Escape(playbook.Name),
                        CliOutput.Name(playbook.Trigger) + (playbook.Keyword.Length > 0 ? $" '{Markup.Escape(playbook.Keyword)}'" : ""),
                        CliOutput.Name(playbook.Channel), playbook.Steps.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                request.PageToken = reply.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            cli.Console.Write(table);
            return EngineCommand.Done;
        });
        return command;
    }

    private static Command Delete()
    {
        var tenant = LeadOptions.Tenant();
        var id = new Argument<string>("playbook-id") { Description = "The playbook's id" };
        var command = new Command("delete", "Delete a playbook (runs already started stop)") { tenant, id };
        command.SetCliAction(async (parsed, cli) =>
        {
            CliOutput.Json(await new V1.AutomationService.AutomationServiceClient(cli.Channel).DeletePlaybookAsync(
                new V1.DeletePlaybookRequest { TenantId = parsed.GetValue(tenant)!, PlaybookId = parsed.GetValue(id)! }, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }

    // YAML to JSON, then the protobuf JSON parser: one reading of the Playbook shape, the API's own.
    private static V1.Playbook Read(string path)
    {
        var text = CliOutput.ReadFile(path);
        object? document;
        try
        {
            document = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new CliInputException($"{path}: line {e.Start.Line}: {e.Message}");
        }

        return CliOutput.ParseJson<V1.Playbook>(JsonSerializer.Serialize(document), path);
    }
}
