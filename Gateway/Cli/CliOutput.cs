using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Engine.Cli;

/// <summary>How the CLI prints and reads API values: proto3 JSON (the same shapes as the HTTP/JSON API), enums by short name.</summary>
internal static class CliOutput
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithIndentation());
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    /// <summary>Writes a response as indented JSON on stdout.</summary>
    public static void Json(IMessage message) => Console.Out.WriteLine(Formatter.Format(message));

    /// <summary>A response as one line of JSON.</summary>
    public static string JsonLine(IMessage message) => JsonFormatter.Default.Format(message);

    /// <summary>Reads a message from a JSON file ("-" for stdin), naming the file in the error.</summary>
    public static T ReadJson<T>(string path) where T : IMessage<T>, new() =>
        ParseJson<T>(path == "-" ? Console.In.ReadToEnd() : ReadFile(path), path);

    /// <summary>Parses a message from JSON read from <paramref name="source"/>, which the error names.</summary>
    public static T ParseJson<T>(string json, string source) where T : IMessage<T>, new()
    {
        try
        {
            return Parser.Parse<T>(json);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CliInputException($"{source}: {e.Message}");
        }
        catch (InvalidJsonException e)
        {
            throw new CliInputException($"{source}: {e.Message}");
        }
    }

    public static string ReadFile(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new CliInputException($"{path} does not exist");

    /// <summary>
    /// An enum value from its short name: "sms" for CHANNEL_SMS, "opted-in" for CONSENT_STATUS_OPTED_IN.
    /// <paramref name="option"/> names the flag in the error, which lists the accepted names.
    /// </summary>
    public static T Enum<T>(string value, string option) where T : struct, System.Enum
    {
        var descriptor = EnumDescriptorOf<T>();
        var prefix = PrefixOf(descriptor);
        var wanted = value.Trim().Replace('-', '_').ToUpperInvariant();
        var match = descriptor.Values.FirstOrDefault(v => v.Name == wanted || v.Name == prefix + wanted);
        if (match is null || match.Number == 0)
        {
            var names = descriptor.Values.Where(v => v.Number != 0).Select(v => ShortName(v.Name, prefix));
            throw new CliInputException($"{option} '{value}' is not one of: {string.Join(", ", names)}");
        }

        return (T)(object)match.Number;
    }

    /// <summary>An enum value as the CLI shows it: "opted-in" for CONSENT_STATUS_OPTED_IN.</summary>
    public static string Name<T>(T value) where T : struct, System.Enum
    {
        var descriptor = EnumDescriptorOf<T>();
        var number = Convert.ToInt32(value, CultureInfo.InvariantCulture);
        return descriptor.FindValueByNumber(number) is { } found ? ShortName(found.Name, PrefixOf(descriptor)) : number.ToString(CultureInfo.InvariantCulture);
    }

    public static string Time(Timestamp? at) => at is null ? "" : at.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static EnumDescriptor EnumDescriptorOf<T>() =>
        AllFiles().SelectMany(f => f.EnumTypes).FirstOrDefault(e => e.ClrType == typeof(T))
        ?? throw new InvalidOperationException($"{typeof(T).Name} is not an engine.v1 enum");

    private static IEnumerable<FileDescriptor> AllFiles() =>
    [
        Engine.Gateway.Grpc.V1.LeadsReflection.Descriptor, Engine.Gateway.Grpc.V1.TenantsReflection.Descriptor,
        Engine.Gateway.Grpc.V1.ConversationsReflection.Descriptor, Engine.Gateway.Grpc.V1.AutomationsReflection.Descriptor,
    ];

    // CONSENT_STATUS for ConsentStatus: proto enum values carry their type's name as a prefix.
    private static string PrefixOf(EnumDescriptor descriptor) =>
        string.Concat(descriptor.Name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant() + "_";

    private static string ShortName(string name, string prefix) =>
        (name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name).ToLowerInvariant().Replace('_', '-');
}
