using System.Text.RegularExpressions;
using Google.Api;
using Google.Protobuf.Reflection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Extensions;
using Microsoft.OpenApi.Models;

namespace Engine.Gateway.Grpc.OpenApi;

/// <summary>
/// The OpenAPI 3 document of the HTTP/JSON API, made from the same proto descriptors and google.api.http
/// rules that JSON transcoding serves, so it cannot describe routes that do not exist. Path variables
/// become path parameters; a body of "*" is the request message; with another body (or none) the request's
/// remaining scalar fields are query parameters, as transcoding binds them.
/// </summary>
internal static partial class ProtoOpenApiDocument
{
    public const string Route = "/openapi/v1.json";

    /// <summary>The document as JSON, built once: the descriptors do not change while the process runs.</summary>
    public static string Json { get; } = Build().Serialize(OpenApiSpecVersion.OpenApi3_0, OpenApiFormat.Json);

    private static OpenApiDocument Build()
    {
        var document = new OpenApiDocument
        {
            Info = new OpenApiInfo
            {
                Title = "Conversation engine API",
                Version = "v1",
                Description = "Every call of the engine.v1 gRPC services that has an HTTP route. Errors answer with the HTTP status of the gRPC code and a google.rpc.Status body.",
            },
            Paths = new OpenApiPaths(),
            Components = new OpenApiComponents
            {
                Schemas = new Dictionary<string, OpenApiSchema>(StringComparer.Ordinal),
                SecuritySchemes = new Dictionary<string, OpenApiSecurityScheme>
                {
                    ["apiKey"] = new() { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "authorization: Bearer <API key>" },
                },
            },
            SecurityRequirements =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "apiKey" } }] = [] },
            ],
        };
        var schemas = new ProtoSchemas(document.Components.Schemas);
        var error = ErrorResponse(document.Components.Schemas);
        foreach (var method in Services().SelectMany(s => s.Methods).Where(m => !m.IsClientStreaming))
        {
            if (method.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is not { } rule)
            {
                continue;
            }

            var (verb, template) = Pattern(rule);
            var openApiPath = RouteOf(rule).Path;
            var path = document.Paths.TryGetValue(openApiPath, out var existing) ? existing : document.Paths[openApiPath] = new OpenApiPathItem();
            path.Operations[verb] = Operation(method, rule, template, schemas, error);
        }

        return document;
    }

    /// <summary>Every service of the engine.v1 protos compiled into this assembly.</summary>
    public static IEnumerable<Google.Protobuf.Reflection.ServiceDescriptor> Services() => typeof(V1.Lead).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(V1.Lead).Namespace && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
        .Select(t => (FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!)
        .SelectMany(file => file.Services)
        .OrderBy(s => s.FullName, StringComparer.Ordinal);

    /// <summary>
    /// A rule's operation and path as the document names it: a variable bound to a nested field
    /// ("{playbook.playbook_id}") is named by its last part, since OpenAPI paths that differ only in
    /// variable names are one path.
    /// </summary>
    public static (OperationType Verb, string Path) RouteOf(HttpRule rule)
    {
        var (verb, template) = Pattern(rule);
        return (verb, PathVariable().Replace(template, m => $"{{{ParameterName(m.Groups["name"].Value)}}}"));
    }

    private static string ParameterName(string fieldPath) => fieldPath[(fieldPath.LastIndexOf('.') + 1)..];

    private static (OperationType Verb, string Template) Pattern(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => (OperationType.Get, rule.Get),
        HttpRule.PatternOneofCase.Post => (OperationType.Post, rule.Post),
        HttpRule.PatternOneofCase.Put => (OperationType.Put, rule.Put),
        HttpRule.PatternOneofCase.Delete => (OperationType.Delete, rule.Delete),
        HttpRule.PatternOneofCase.Patch => (OperationType.Patch, rule.Patch),
        _ => throw new InvalidOperationException($"unsupported google.api.http pattern {rule.PatternCase}"),
    };

    private static OpenApiOperation Operation(MethodDescriptor method, HttpRule rule, string template, ProtoSchemas schemas, OpenApiResponse error)
    {
        var request = method.InputType;
        var pathFields = PathVariable().Matches(template).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        var operation = new OpenApiOperation
        {
            OperationId = method.Name,
            Summary = $"{method.Service.Name}.{method.Name}",
            Tags = [new OpenApiTag { Name = method.Service.Name }],
            Parameters = [.. pathFields.Select(name => new OpenApiParameter
            {
                Name = ParameterName(name), In = ParameterLocation.Path, Required = true, Schema = schemas.Field(FieldAt(request, name)),
            })],
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = method.IsServerStreaming ? $"A stream of {method.OutputType.Name} messages." : method.OutputType.Name,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schemas.Reference(method.OutputType) } },
                },
                ["default"] = error,
            },
        };
        if (rule.Body == "*")
        {
            operation.RequestBody = Body(schemas.Reference(request));
            return operation;
        }

        if (rule.Body.Length > 0)
        {
            operation.RequestBody = Body(schemas.Field(request.FindFieldByName(rule.Body)));
        }

        foreach (var field in request.Fields.InDeclarationOrder().Where(f => !pathFields.Contains(f.Name) && f.Name != rule.Body && f.FieldType != FieldType.Message))
        {
            operation.Parameters.Add(new OpenApiParameter { Name = field.JsonName, In = ParameterLocation.Query, Schema = schemas.Field(field) });
        }

        return operation;
    }

    // A path variable names a field of the request, or of a message inside it ("playbook.playbook_id").
    private static FieldDescriptor FieldAt(MessageDescriptor request, string path)
    {
        var names = path.Split('.');
        var field = request.FindFieldByName(names[0]);
        foreach (var name in names.Skip(1))
        {
            field = field.MessageType.FindFieldByName(name);
        }

        return field;
    }

    private static OpenApiRequestBody Body(OpenApiSchema schema) => new()
    {
        Required = true,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
    };

    // google.rpc.Status, the body of every error, in the shape transcoding writes it.
    private static OpenApiResponse ErrorResponse(IDictionary<string, OpenApiSchema> components)
    {
        components["google.rpc.Status"] = new OpenApiSchema
        {
            Type = "object",
            Properties = new Dictionary<string, OpenApiSchema>
            {
                ["code"] = new() { Type = "integer", Format = "int32", Description = "The gRPC status code." },
                ["message"] = new() { Type = "string", Description = "What went wrong, naming the field when one was wrong." },
                ["details"] = new()
                {
                    Type = "array", Items = new OpenApiSchema { Type = "object" },
                    Description = "google.rpc details, each with its \"@type\": BadRequest (the field) for 400, ErrorInfo (reason, domain engine.v1) for refusals, RetryInfo for 429 and 503.",
                },
            },
        };
        return new OpenApiResponse
        {
            Description = "An error: the HTTP status maps the gRPC code (400 INVALID_ARGUMENT, 401, 403, 404, 409, 412 FAILED_PRECONDITION, 429, 503 UNAVAILABLE).",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = new OpenApiSchema { Reference = new OpenApiReference { Type = ReferenceType.Schema, Id = "google.rpc.Status" } } },
            },
        };
    }

    [GeneratedRegex(@"\{(?<name>[a-z0-9_.]+)(=[^}]*)?\}")]
    private static partial Regex PathVariable();
}
