using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Spectre.Console;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>
/// engine leads import FILE.csv: streams the rows through ImportLeads with a progress bar (rows/s), then
/// lists every rejected row with its line and reason. Exit code 1 when any row was rejected.
/// Columns (header row, any order): phone (required), name, email, time_zone, tags (separated by ';'),
/// opted_in_channel (sms or whatsapp), consent_evidence.
/// </summary>
internal static class LeadImport
{
    private const int ProgressLineEvery = 2_000; // rows between plain progress lines when stdout is not a terminal

    public static Command Create()
    {
        var tenant = LeadOptions.Tenant();
        var file = new Argument<FileInfo>("file") { Description = "CSV file with a header row" };
        var command = new Command("import", "Import leads (and their opt-in) from a CSV file") { tenant, file };
        command.SetCliAction(async (parsed, cli) =>
        {
            var (rows, rejected) = Read(parsed.GetValue(file)!, parsed.GetValue(tenant)!);
            var started = Stopwatch.GetTimestamp();
            var summary = cli.Console.Profile.Capabilities.Interactive
                ? await cli.Console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("importing", maxValue: rows.Count);
                        return await StreamAsync(cli, rows, sent => task.Value = sent);
                    })
                : await StreamAsync(cli, rows, sent =>
                {
                    if (sent % ProgressLineEvery == 0)
                    {
                        cli.Console.WriteLine($"{sent:N0} of {rows.Count:N0} rows sent");
                    }
                });
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            rejected.AddRange(summary.Errors.Select(e => (Line: rows[e.Row].Line, e.Phone, e.Reason)));
            cli.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {summary.Imported:N0} rows ({summary.Created:N0} new leads) in {seconds:F1} s, {rows.Count / Math.Max(seconds, 0.001):N0} rows/s; {rejected.Count:N0} rejected"));
            if (rejected.Count == 0)
            {
                return EngineCommand.Done;
            }

            var table = new Table().AddColumns("Line", "Phone", "Reason");
            foreach (var (line, phone, reason) in rejected.OrderBy(r => r.Line))
            {
                table.AddRow(line.ToString(CultureInfo.InvariantCulture), Markup.Escape(phone), Markup.Escape(reason));
            }

            cli.Console.Write(table);
            return EngineCommand.DoneInPart;
        });
        return command;
    }

    private static async Task<V1.ImportLeadsSummary> StreamAsync(CliContext cli, List<(int Line, V1.ImportLeadRow Row)> rows, Action<int> sent)
    {
        using var call = new V1.LeadService.LeadServiceClient(cli.Channel).ImportLeads(cli.Call);
        for (var i = 0; i < rows.Count; i++)
        {
            await call.RequestStream.WriteAsync(rows[i].Row, cli.CancellationToken); // waits while the engine catches up
            sent(i + 1);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    // Every row is read first, so the bar knows its total and a row the CLI cannot read is reported by line.
    private static (List<(int Line, V1.ImportLeadRow Row)> Rows, List<(int Line, string Phone, string Reason)> Rejected) Read(FileInfo file, string tenantId)
    {
        if (!file.Exists)
        {
            throw new CliInputException($"{file.FullName} does not exist");
        }

        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture) { PrepareHeaderForMatch = header => header.Header.Trim().ToLowerInvariant(), TrimOptions = TrimOptions.Trim };
        using var reader = new StreamReader(file.FullName);
        using var csv = new CsvReader(reader, configuration);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { } header || !header.Contains("phone", StringComparer.OrdinalIgnoreCase))
        {
            throw new CliInputException($"{file.Name}: the first line must be a header naming at least a 'phone' column");
        }

        var (rows, rejected) = (new List<(int, V1.ImportLeadRow)>(), new List<(int, string, string)>());
        while (csv.Read())
        {
            var line = csv.Parser.RawRow;
            var phone = Field(csv, "phone");
            var channel = Field(csv, "opted_in_channel");
            var row = new V1.ImportLeadRow
            {
                TenantId = tenantId, Phone = phone, Name = Field(csv, "name"), Email = Field(csv, "email"), TimeZone = Field(csv, "time_zone"),
                Tags = { Field(csv, "tags").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                ConsentEvidence = Field(csv, "consent_evidence"),
            };
            try
            {
                row.OptedInChannel = channel.Length == 0 ? V1.Channel.Unspecified : CliOutput.Enum<V1.Channel>(channel, "opted_in_channel");
                rows.Add((line, row));
            }
            catch (CliInputException e)
            {
                rejected.Add((line, phone, e.Message));
            }
        }

        return (rows, rejected);
    }

    private static string Field(CsvReader csv, string name) => csv.TryGetField<string>(name, out var value) ? value ?? "" : "";
}
