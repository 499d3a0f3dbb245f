using System.CommandLine;
using Spectre.Console;
using System.Globalization;
using Grpc.Core;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>
/// engine events tail: follows a tenant's event stream. With --cursor-file it starts after the cursor the
/// file holds and writes each event's cursor back, so a restarted tail resumes where it stopped.
/// </summary>
internal static class EventCommands
{
    public static Command Create()
    {
        var events = new Command("events", "Follow a tenant's events");
        var tenant = LeadOptions.Tenant();
        var after = new Option<long?>("--after") { Description = "Start after this cursor (default: from the cursor file, else the beginning)" };
        var cursorFile = new Option<FileInfo?>("--cursor-file") { Description = "Resume from and record the last cursor in this file" };
        var types = new Option<string[]>("--type") { Description = "Only events of this type, e.g. message.received (repeat for several)", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print each event's CloudEvent JSON, one per line" };
        var count = new Option<int?>("--count") { Description = "Stop after this many events" };
        var tail = new Command("tail", "Print events as they happen, until Ctrl+C") { tenant, after, cursorFile, types, json, count };
        tail.SetCliAction(async (parsed, cli) =>
        {
            var file = parsed.GetValue(cursorFile);
            var request = new V1.SubscribeRequest { TenantId = parsed.GetValue(tenant)!, AfterCursor = parsed.GetValue(after) ?? ReadCursor(file), EventTypes = { parsed.GetValue(types) ?? [] } };
            var (limit, printed) = (parsed.GetValue(count), 0);
            using var stream = new V1.EventService.EventServiceClient(cli.Channel).Subscribe(request, cli.Call);
            await foreach (var item in stream.ResponseStream.ReadAllAsync(cli.CancellationToken))
            {
                Console.Out.WriteLine(parsed.GetValue(json)
                    ? item.CloudEvent
                    : string.Create(CultureInfo.InvariantCulture, $"{item.Cursor,8}  {CliOutput.Time(item.Time)}  {item.Type,-24} {item.Subject}"));
                if (file is not null)
                {
                    await File.WriteAllTextAsync(file.FullName, item.Cursor.ToString(CultureInfo.InvariantCulture), CancellationToken.None);
                }

                if (++printed == limit)
                {
                    break;
                }
            }

            return EngineCommand.Done;
        });
        events.Subcommands.Add(tail);
        return events;
    }

    private static long ReadCursor(FileInfo? file)
    {
        if (file is not { Exists: true })
        {
            return 0;
        }

        var text = File.ReadAllText(file.FullName).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var cursor)
            ? cursor
            : throw new CliInputException($"{file.FullName} holds '{text}', not a cursor");
    }
}
