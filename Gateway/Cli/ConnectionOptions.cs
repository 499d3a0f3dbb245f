using System.CommandLine;
using System.Text.Json;

namespace Engine.Cli;

/// <summary>
/// Where the engine is and which key to use, from (first found) a flag, an environment variable, or the
/// profile file: a JSON object with "url", "grpcUrl" and "key" at --profile, $ENGINE_PROFILE or
/// ~/.config/engine/profile.json.
/// </summary>
internal static class ConnectionOptions
{
    public static readonly Option<string?> GrpcUrl = new("--grpc-url")
    {
        Description = "The gateway's gRPC endpoint [env ENGINE_GRPC_URL; default http://127.0.0.1:5081]",
        Recursive = true,
    };

    public static readonly Option<string?> Url = new("--url")
    {
        Description = "The gateway's HTTP endpoint, for webhooks [env ENGINE_URL; default http://127.0.0.1:5080]",
        Recursive = true,
    };

    public static readonly Option<string?> Key = new("--key")
    {
        Description = "API key (the admin key or a tenant's key) [env ENGINE_KEY]",
        Recursive = true,
    };

    public static readonly Option<FileInfo?> Profile = new("--profile")
    {
        Description = "Profile file with url, grpcUrl and key [env ENGINE_PROFILE; default ~/.config/engine/profile.json]",
        Recursive = true,
    };

    public static IReadOnlyList<Option> All { get; } = [GrpcUrl, Url, Key, Profile];

    public static (string GrpcUrl, string Url, string? Key) Resolve(ParseResult parsed)
    {
        var profile = ReadProfile(parsed.GetValue(Profile)?.FullName ?? Environment.GetEnvironmentVariable("ENGINE_PROFILE"));
        return (
            First(parsed.GetValue(GrpcUrl), "ENGINE_GRPC_URL", profile, "grpcUrl") ?? "http://127.0.0.1:5081",
            First(parsed.GetValue(Url), "ENGINE_URL", profile, "url") ?? "http://127.0.0.1:5080",
            First(parsed.GetValue(Key), "ENGINE_KEY", profile, "key"));
    }

    private static string? First(string? flag, string variable, IReadOnlyDictionary<string, string> profile, string name) =>
        NonEmpty(flag) ?? NonEmpty(Environment.GetEnvironmentVariable(variable)) ?? NonEmpty(profile.GetValueOrDefault(name));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static Dictionary<string, string> ReadProfile(string? path)
    {
        var explicitPath = path is not null;
        path ??= Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "engine", "profile.json");
        if (!File.Exists(path))
        {
            return explicitPath ? throw new CliInputException($"profile {path} does not exist") : [];
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? [];
        }
        catch (JsonException e)
        {
            throw new CliInputException($"profile {path} is not a JSON object of strings: {e.Message}");
        }
    }
}
