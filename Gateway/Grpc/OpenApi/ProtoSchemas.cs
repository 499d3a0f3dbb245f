using Google.Protobuf.Reflection;
using Microsoft.OpenApi.Any;
using Microsoft.OpenApi.Models;

namespace Engine.Gateway.Grpc.OpenApi;

/// <summary>
/// JSON schemas of protobuf messages as JSON transcoding reads and writes them (proto3 JSON mapping):
/// lowerCamelCase names, 64-bit integers and bytes as strings, enums by name, Timestamp as RFC 3339,
/// Duration as "1.5s". Every message reached is added to the components once, by its full name.
/// </summary>
internal sealed class ProtoSchemas(IDictionary<string, OpenApiSchema> components)
{
    /// <summary>A reference to <paramref name="message"/>'s schema, adding it (and what it uses) to the components.</summary>
    public OpenApiSchema Reference(MessageDescriptor message)
    {
        if (WellKnown(message.FullName) is { } wellKnown)
        {
            return wellKnown;
        }

        if (!components.ContainsKey(message.FullName))
        {
            var schema = new OpenApiSchema { Type = "object", Properties = new Dictionary<string, OpenApiSchema>() };
            components[message.FullName] = schema; // before the fields, so a message that contains itself ends
            foreach (var field in message.Fields.InDeclarationOrder())
            {
                schema.Properties[field.JsonName] = Field(field);
            }
        }

        return new OpenApiSchema { Reference = new OpenApiReference { Type = ReferenceType.Schema, Id = message.FullName } };
    }

    /// <summary>The schema of one field's value, as it appears in JSON (and in a query string for scalars).</summary>
    public OpenApiSchema Field(FieldDescriptor field)
    {
        if (field.IsMap)
        {
            return new OpenApiSchema { Type = "object", AdditionalProperties = Value(field.MessageType.FindFieldByNumber(2)) };
        }

        var value = Value(field);
        return field.IsRepeated ? new OpenApiSchema { Type = "array", Items = value } : value;
    }

    private OpenApiSchema Value(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => new OpenApiSchema { Type = "string" },
        FieldType.Bool => new OpenApiSchema { Type = "boolean" },
        FieldType.Double => new OpenApiSchema { Type = "number", Format = "double" },
        FieldType.Float => new OpenApiSchema { Type = "number", Format = "float" },
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => new OpenApiSchema { Type = "integer", Format = "int32" },
        FieldType.UInt32 or FieldType.Fixed32 => new OpenApiSchema { Type = "integer", Format = "int64", Minimum = 0 },
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 or FieldType.UInt64 or FieldType.Fixed64 =>
            new OpenApiSchema { Type = "string", Format = "int64", Description = "A 64-bit integer, as a decimal string (numbers are accepted too)." },
        FieldType.Bytes => new OpenApiSchema { Type = "string", Format = "byte" },
        FieldType.Enum => new OpenApiSchema
        {
            Type = "string",
            Enum = field.EnumType.Values.Select(v => (IOpenApiAny)new OpenApiString(v.Name)).ToList(),
        },
        _ => Reference(field.MessageType),
    };

    private static OpenApiSchema? WellKnown(string fullName) => fullName switch
    {
        "google.protobuf.Timestamp" => new OpenApiSchema { Type = "string", Format = "date-time" },
        "google.protobuf.Duration" => new OpenApiSchema { Type = "string", Pattern = @"^-?\d+(\.\d+)?s$", Description = "Seconds with an 's' suffix, e.g. \"3600s\"." },
        "google.protobuf.Struct" => new OpenApiSchema { Type = "object" },
        "google.protobuf.Value" => new OpenApiSchema(),
        "google.protobuf.StringValue" => new OpenApiSchema { Type = "string", Nullable = true },
        "google.protobuf.BoolValue" => new OpenApiSchema { Type = "boolean", Nullable = true },
        "google.protobuf.Int32Value" => new OpenApiSchema { Type = "integer", Format = "int32", Nullable = true },
        "google.protobuf.Empty" => new OpenApiSchema { Type = "object" },
        _ => null,
    };
}
