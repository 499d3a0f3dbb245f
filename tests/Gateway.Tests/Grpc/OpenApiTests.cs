using Engine.Gateway.Grpc.OpenApi;
using Google.Api;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Readers;

namespace Engine.Gateway.Tests.Grpc;

/// <summary>/openapi/v1.json: a valid OpenAPI 3 document of every HTTP route the protos declare.</summary>
[Collection(GatewayCollection.Name)]
public sealed class OpenApiTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Document_IsValidOpenApi3_AndDescribesEveryHttpRouteOfTheProtos()
    {
        var json = await fixture.Http.GetStringAsync(new Uri(ProtoOpenApiDocument.Route, UriKind.Relative));

        var document = new OpenApiStringReader().Read(json, out var diagnostic);

        Assert.True(diagnostic.Errors.Count == 0, string.Join(Environment.NewLine, diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_0, diagnostic.SpecificationVersion);
        var routes = ProtoOpenApiDocument.Services().SelectMany(s => s.Methods)
            .Select(m => m.GetOptions()?.GetExtension(AnnotationsExtensions.Http))
            .Where(rule => rule is not null)
            .Select(rule => ProtoOpenApiDocument.RouteOf(rule!))
            .ToArray();
        Assert.True(routes.Length >= 20, $"only {routes.Length} routes found in the protos");
        foreach (var (verb, path) in routes)
        {
            Assert.True(document.Paths.TryGetValue(path, out var item) && item.Operations.ContainsKey(verb), $"{verb} {path} is not in the document");
        }

        var getLead = document.Paths["/v1/tenants/{tenant_id}/leads/{phone}"].Operations[Microsoft.OpenApi.Models.OperationType.Get];
        Assert.Equal(["tenant_id", "phone", "whatsappUserId"], getLead.Parameters.Select(p => p.Name));
        Assert.Equal("engine.v1.Lead", getLead.Responses["200"].Content["application/json"].Schema.Reference.Id);
        Assert.Equal("date-time", document.Components.Schemas["engine.v1.Lead"].Properties["createdAt"].Format);
    }
}
