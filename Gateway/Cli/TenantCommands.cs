using System.CommandLine;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>engine tenants create|get|update: settings are the API's TenantSettings as JSON.</summary>
internal static class TenantCommands
{
    public static Command Create()
    {
        var tenants = new Command("tenants", "Create, read and change tenants (platform admin key)");
        tenants.Subcommands.Add(CreateTenant());
        tenants.Subcommands.Add(GetTenant());
        tenants.Subcommands.Add(UpdateTenant());
        return tenants;
    }

    private static Command CreateTenant()
    {
        var id = new Argument<string>("tenant-id") { Description = "The new tenant's id" };
        var settings = SettingsOption(required: false);
        var displayName = new Option<string?>("--display-name") { Description = "The business name shown in replies" };
        var command = new Command("create", "Create a tenant") { id, settings, displayName };
        command.SetCliAction(async (parsed, cli) =>
        {
            var request = new V1.CreateTenantRequest { TenantId = parsed.GetValue(id)!, Settings = ReadSettings(parsed, settings) };
            if (parsed.GetValue(displayName) is { Length: > 0 } name)
            {
                request.Settings.DisplayName = name;
            }

            CliOutput.Json(await new V1.TenantService.TenantServiceClient(cli.Channel).CreateTenantAsync(request, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }

    private static Command GetTenant()
    {
        var id = new Argument<string>("tenant-id") { Description = "Tenant id" };
        var command = new Command("get", "Show a tenant, its settings (secrets masked) and API keys") { id };
        command.SetCliAction(async (parsed, cli) =>
        {
            CliOutput.Json(await new V1.TenantService.TenantServiceClient(cli.Channel).GetTenantAsync(new V1.GetTenantRequest { TenantId = parsed.GetValue(id)! }, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }

    private static Command UpdateTenant()
    {
        var id = new Argument<string>("tenant-id") { Description = "Tenant id" };
        var settings = SettingsOption(required: true);
        var command = new Command("update", "Replace a tenant's settings") { id, settings };
        command.SetCliAction(async (parsed, cli) =>
        {
            var request = new V1.UpdateTenantSettingsRequest { TenantId = parsed.GetValue(id)!, Settings = ReadSettings(parsed, settings) };
            CliOutput.Json(await new V1.TenantService.TenantServiceClient(cli.Channel).UpdateTenantSettingsAsync(request, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }

    private static Option<string?> SettingsOption(bool required) => new("--settings")
    {
        Description = "TenantSettings as JSON, the same shape as the HTTP API's (a file, or - for stdin)",
        Required = required,
    };

    private static V1.TenantSettings ReadSettings(ParseResult parsed, Option<string?> settings) =>
        parsed.GetValue(settings) is { } path ? CliOutput.ReadJson<V1.TenantSettings>(path) : new V1.TenantSettings();
}
