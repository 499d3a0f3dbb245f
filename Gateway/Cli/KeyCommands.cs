using System.CommandLine;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>engine keys create|revoke: a tenant's API keys.</summary>
internal static class KeyCommands
{
    public static Command Create()
    {
        var keys = new Command("keys", "Create and revoke a tenant's API keys");
        keys.Subcommands.Add(CreateKey());
        keys.Subcommands.Add(RevokeKey());
        return keys;
    }

    private static Command CreateKey()
    {
        var tenant = LeadOptions.Tenant();
        var name = new Option<string>("--name") { Description = "What the key is for", Required = true };
        var roles = new Option<string[]>("--role")
        {
            Description = "admin, messaging or events-read (repeat for several)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("create", "Create an API key; its secret is shown once") { tenant, name, roles };
        command.SetCliAction(async (parsed, cli) =>
        {
            var request = new V1.CreateApiKeyRequest { TenantId = parsed.GetValue(tenant)!, Name = parsed.GetValue(name)! };
            request.Roles.AddRange(parsed.GetValue(roles)!.Select(role => CliOutput.Enum<V1.ApiKeyRole>(role, "--role")));
            CliOutput.Json(await new V1.TenantService.TenantServiceClient(cli.Channel).CreateApiKeyAsync(request, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }

    private static Command RevokeKey()
    {
        var tenant = LeadOptions.Tenant();
        var keyId = new Argument<string>("key-id") { Description = "The key's id (not its secret)" };
        var command = new Command("revoke", "Revoke an API key") { tenant, keyId };
        command.SetCliAction(async (parsed, cli) =>
        {
            var request = new V1.RevokeApiKeyRequest { TenantId = parsed.GetValue(tenant)!, KeyId = parsed.GetValue(keyId)! };
            CliOutput.Json(await new V1.TenantService.TenantServiceClient(cli.Channel).RevokeApiKeyAsync(request, cli.Call));
            return EngineCommand.Done;
        });
        return command;
    }
}
