using System.Globalization;
using System.Text;
using System.Text.Json;
using Engine.TestSupport;

namespace Engine.Silo.Tests.Cli;

/// <summary>Every `engine` command, run as its own process against an embedded gateway.</summary>
public sealed class CliTests(CliGateway gateway) : IClassFixture<CliGateway>
{
    private static readonly string Settings = """
        {"displayName":"Demo Motors","sms":{"accountSid":"AC00000000000000000000000000000000","authToken":"demo-token","fromNumber":"+14155550100"},
         "quietHours":{"enabled":false}}
        """;

    [Fact]
    public async Task FirstMessage_Reply_Stop_AndTheirTrace_ThroughTheCli()
    {
        var tenant = await NewTenantAsync();
        const string phone = "+14155550123";

        Ok(await gateway.RunAsync("leads", "upsert", "--tenant", tenant, "--phone", phone, "--name", "Pat", "--tag", "test-drive"));
        var consent = Ok(await gateway.RunAsync("consent", "record", "-t", tenant, "-p", phone, "--status", "opted-in", "--source", "form", "--evidence", "test-drive form"));
        Assert.Contains("CONSENT_STATUS_OPTED_IN", consent.Stdout, StringComparison.Ordinal);
        var sent = Ok(await gateway.RunAsync("send", "-t", tenant, "-p", phone, "-b", "Hi Pat, your test drive is at 5pm."));
        Assert.Contains("SEND_STATUS_QUEUED", sent.Stdout, StringComparison.Ordinal);
        await Eventually.GetAsync(gateway.SentAsync, s => s.Any(m => m.To == phone && m.Body == "Hi Pat, your test drive is at 5pm."), TimeSpan.FromSeconds(20), "the message at the simulator");

        Assert.Contains("200", Ok(await gateway.RunAsync("simulate", "inbound", "-t", tenant, "--from", phone, "--body", "Great, see you then", "--secret", "demo-token")).Stdout, StringComparison.Ordinal);
        Ok(await gateway.RunAsync("simulate", "inbound", "-t", tenant, "--from", phone, "--body", "STOP", "--secret", "demo-token"));
        await Eventually.GetAsync(gateway.SentAsync, s => s.Count(m => m.To == phone) == 2, TimeSpan.FromSeconds(20), "the STOP confirmation at the simulator");
        await AssertOneLineAsync(2, "FailedPrecondition (OPTED_OUT):", "send", "-t", tenant, "-p", phone, "-b", "One more thing, Pat");

        var conversation = Ok(await gateway.RunAsync("conversation", "show", "-t", tenant, "-p", phone));
        Assert.Contains("Great, see you then", conversation.Stdout, StringComparison.Ordinal);
        Assert.Contains("STOP", conversation.Stdout, StringComparison.Ordinal);
        var history = Ok(await gateway.RunAsync("consent", "history", "-t", tenant, "-p", phone));
        Assert.Contains("opted-out", history.Stdout, StringComparison.Ordinal);
        Assert.Contains("keyword", history.Stdout, StringComparison.Ordinal);
        var lead = Ok(await gateway.RunAsync("leads", "get", "-t", tenant, "-p", phone));
        Assert.Contains("CONSENT_STATUS_OPTED_OUT", lead.Stdout, StringComparison.Ordinal);
        Assert.Contains("test-drive", lead.Stdout, StringComparison.Ordinal);
        var optedOut = Ok(await gateway.RunAsync("leads", "list", "-t", tenant, "--tag", "test-drive", "--consent-channel", "sms", "--consent-status", "opted-out"));
        Assert.Contains(phone, optedOut.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(phone, Ok(await gateway.RunAsync("leads", "list", "-t", tenant, "--tag", "no-such-tag")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_OfTenThousandRows_ShowsProgress_ListsTheBadRows_AndExitsOne()
    {
        var tenant = await NewTenantAsync();
        var csv = new StringBuilder("phone,name,tags,opted_in_channel,consent_evidence\n");
        for (var i = 0; i < 10_000; i++)
        {
            var (phone, channel) = i switch
            {
                17 => ("12", "sms"),                  // not a phone number: the engine refuses it
                4_242 => ($"+1212{5550000 + i:D7}", "pager"), // a channel the CLI cannot read
                9_998 => ("", "sms"),                 // no number at all
                _ => ($"+1212{5550000 + i:D7}", i % 2 == 0 ? "sms" : ""),
            };
            csv.Append(CultureInfo.InvariantCulture, $"{phone},Lead {i},imported;batch-{i % 10},{channel},spring fair list\n");
        }

        var file = Path.Combine(Path.GetTempPath(), $"leads-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, csv.ToString());
        try
        {
            var run = await gateway.RunAsync("leads", "import", "--tenant", tenant, file);

            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Contains("2,000 of 9,999 rows sent", run.Stdout, StringComparison.Ordinal); // progress, one line per 2,000 rows off a terminal
            Assert.Matches(@"imported 9,997 rows \(9,997 new leads\) in [\d.]+ s, [\d,]+ rows/s; 3 rejected", run.Stdout);
            foreach (var line in new[] { "19", "4244", "10000" }) // CSV lines: header is line 1
            {
                Assert.Matches($@"│\s*{line}\s*│", run.Stdout);
            }

            Assert.Contains("'pager' is not one of: sms, whatsapp", run.Stdout, StringComparison.Ordinal);
            var imported = Ok(await gateway.RunAsync("leads", "get", "-t", tenant, "-p", "+12125550000"));
            Assert.Contains("CONSENT_STATUS_OPTED_IN", imported.Stdout, StringComparison.Ordinal);
            Assert.Contains("batch-0", imported.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Playbooks_PutFromYaml_List_AndDelete()
    {
        var tenant = await NewTenantAsync();
        var file = Path.Combine(Path.GetTempPath(), $"playbook-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            playbookId: no-reply-nudge
            name: Nudge after a day of silence
            trigger: PLAYBOOK_TRIGGER_NO_REPLY
            channel: CHANNEL_SMS
            steps:
              - delay: 86400s
                body: Still interested in the test drive?
                businessHoursOnly: true
            """);
        try
        {
            Assert.Contains("no-reply-nudge", Ok(await gateway.RunAsync("playbooks", "put", "-t", tenant, file)).Stdout, StringComparison.Ordinal);
            var listed = Ok(await gateway.RunAsync("playbooks", "list", "-t", tenant));
            Assert.Contains("Nudge after a day of silence", listed.Stdout, StringComparison.Ordinal);
            Assert.Contains("no-reply", listed.Stdout, StringComparison.Ordinal);

            Assert.Contains("\"deleted\": true", Ok(await gateway.RunAsync("playbooks", "delete", "-t", tenant, "no-reply-nudge")).Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("no-reply-nudge", Ok(await gateway.RunAsync("playbooks", "list", "-t", tenant)).Stdout, StringComparison.Ordinal);

            await File.WriteAllTextAsync(file, "trigger: [unclosed");
            var broken = await gateway.RunAsync("playbooks", "put", "-t", tenant, file);
            Assert.Equal(2, broken.ExitCode);
            Assert.Contains(file, broken.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task EventsTail_ResumesAfterTheCursorItRecorded()
    {
        var tenant = await NewTenantAsync();
        foreach (var n in new[] { 1, 2, 3 })
        {
            Ok(await gateway.RunAsync("leads", "upsert", "-t", tenant, "-p", $"+1415555{7000 + n:D4}"));
        }

        var cursorFile = Path.Combine(Path.GetTempPath(), $"cursor-{Guid.NewGuid():N}");
        try
        {
            var first = Ok(await gateway.RunAsync("events", "tail", "-t", tenant, "--cursor-file", cursorFile, "--count", "2"));
            var cursors = Cursors(first.Stdout);
            Assert.Equal(2, cursors.Length);
            Assert.Equal(cursors[1].ToString(CultureInfo.InvariantCulture), (await File.ReadAllTextAsync(cursorFile)).Trim());

            var resumed = Ok(await gateway.RunAsync("events", "tail", "-t", tenant, "--cursor-file", cursorFile, "--count", "1", "--json"));
            using var cloudEvent = JsonDocument.Parse(resumed.Stdout.Trim());
            Assert.Equal("lead.created", cloudEvent.RootElement.GetProperty("type").GetString());
            Assert.True(long.Parse(await File.ReadAllTextAsync(cursorFile), CultureInfo.InvariantCulture) > cursors[1]);
        }
        finally
        {
            File.Delete(cursorFile);
        }
    }

    [Fact]
    public async Task Keys_CreateAndRevoke_AndAProfileFileSuppliesTheKey()
    {
        var tenant = await NewTenantAsync();
        var created = Ok(await gateway.RunAsync("keys", "create", "-t", tenant, "--name", "crm", "--role", "messaging", "--role", "events-read"));
        using var key = JsonDocument.Parse(created.Stdout);
        var (keyId, secret) = (key.RootElement.GetProperty("key").GetProperty("keyId").GetString()!, key.RootElement.GetProperty("secret").GetString()!);

        var profile = Path.Combine(Path.GetTempPath(), $"profile-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(profile, JsonSerializer.Serialize(new { grpcUrl = gateway.GrpcUrl, url = gateway.HttpUrl, key = secret }));
        try
        {
            var noFlags = new Dictionary<string, string?> { ["ENGINE_GRPC_URL"] = null, ["ENGINE_URL"] = null, ["ENGINE_KEY"] = null };
            Ok(await gateway.RunWithAsync(noFlags, "--profile", profile, "leads", "upsert", "-t", tenant, "-p", "+14155558001"));

            Assert.Contains("revokedAt", Ok(await gateway.RunAsync("keys", "revoke", "-t", tenant, keyId)).Stdout, StringComparison.Ordinal);
            var revoked = await Eventually.GetAsync(() => gateway.RunWithAsync(noFlags, "--profile", profile, "leads", "get", "-t", tenant, "-p", "+14155558001"),
                run => run.ExitCode != 0, TimeSpan.FromSeconds(30), "the revoked key to be refused");
            Assert.Equal(2, revoked.ExitCode);
            Assert.StartsWith("engine: Unauthenticated:", revoked.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(profile);
        }
    }

    [Fact]
    public async Task BadInput_IsOneLineAndExitCodeTwo_AnUnreachableEngineThree()
    {
        var tenant = await NewTenantAsync();

        await AssertOneLineAsync(2, "Option '--tenant' is required", "leads", "get", "-p", "+14155550123");
        await AssertOneLineAsync(2, "exactly one of --phone and --whatsapp-user-id", "leads", "get", "-t", tenant);
        await AssertOneLineAsync(2, "NotFound:", "leads", "get", "-t", tenant, "-p", "+14155559999");
        await AssertOneLineAsync(2, "--status 'maybe' is not one of: opted-in, opted-out, pending", "consent", "record", "-t", tenant, "-p", "+14155550123", "--status", "maybe", "--evidence", "x");
        await AssertOneLineAsync(2, "InvalidArgument:", "send", "-t", tenant, "-p", "+14155550123");
        await AssertOneLineAsync(2, "does not exist", "leads", "import", "-t", tenant, "/nonexistent/leads.csv");
        await AssertOneLineAsync(3, "Unavailable:", "--grpc-url", $"http://127.0.0.1:{FreePorts.Next()}", "leads", "get", "-t", tenant, "-p", "+14155550123");
    }

    private async Task AssertOneLineAsync(int exitCode, string message, params string[] args)
    {
        var run = await gateway.RunAsync(args);
        Assert.True(run.ExitCode == exitCode, run.ToString());
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal); // no stack trace
    }

    private async Task<string> NewTenantAsync()
    {
        var tenant = $"cli-{Guid.NewGuid():N}"[..12];
        var settings = Path.Combine(Path.GetTempPath(), $"settings-{tenant}.json");
        await File.WriteAllTextAsync(settings, Settings);
        try
        {
            Assert.Contains(tenant, Ok(await gateway.RunAsync("tenants", "create", tenant, "--settings", settings)).Stdout, StringComparison.Ordinal);
            Assert.Contains("Demo Motors", Ok(await gateway.RunAsync("tenants", "get", tenant)).Stdout, StringComparison.Ordinal);
            return tenant;
        }
        finally
        {
            File.Delete(settings);
        }
    }

    private static long[] Cursors(string tail) => tail.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => long.Parse(line.Trim().Split(' ')[0], CultureInfo.InvariantCulture)).ToArray();

    private static CliRun Ok(CliRun run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }
}
