using System.Net.Http.Headers;
using System.Text;
using Engine.Grains.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace Engine.Grains.Hosting;

/// <summary>
/// The Orleans Dashboard at /dashboard on the silo's probe listener, with Silo:Dashboard set. Only the
/// platform administrator gets in: every request under /dashboard needs Engine:AdminApiKey, as a bearer
/// token or as the password of HTTP Basic (which a browser prompts for and repeats on the page's own
/// calls); anything else is 401. Two parts of the dashboard are never served: grain state (it holds
/// tenants' secrets and personal data) and the live log stream.
/// </summary>
internal static class SiloDashboard
{
    public const string Path = "/dashboard";
    private const string Challenge = "Basic realm=\"Orleans dashboard\", charset=\"UTF-8\"";

    /// <summary>Adds the dashboard's silo side when Silo:Dashboard is set; refuses to start without its listener or key.</summary>
    public static void AddTo(IHostApplicationBuilder builder)
    {
        var silo = builder.Configuration.GetSection(SiloSettings.SectionName).Get<SiloSettings>() ?? new();
        if (!silo.Dashboard)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(silo.HttpUrl))
        {
            throw new EngineStartupException("Silo:Dashboard is set but Silo:HttpUrl is not; the dashboard is served on the silo's listener.");
        }

        if (string.IsNullOrEmpty(builder.Configuration.GetEngineSettings().AdminApiKey))
        {
            throw new EngineStartupException("Silo:Dashboard is set but Engine:AdminApiKey is not; the dashboard answers the admin key only.");
        }

        // Logs name grains by their keys, which hold phone numbers: no live log stream.
        builder.UseOrleans(orleans => orleans.AddDashboard(options => options.HideTrace = true));
    }

    /// <summary>Maps the dashboard onto the listener, its endpoints served from the silo's own services.</summary>
    public static void Map(WebApplication app, IServiceProvider silo)
    {
        var settings = silo.GetRequiredService<IOptions<EngineSettings>>();
        app.UseWhen(http => http.Request.Path.StartsWithSegments(Path), dashboard => dashboard.Use(async (http, next) =>
        {
            if (!IsAdmin(http.Request, settings.Value))
            {
                http.Response.Headers.WWWAuthenticate = Challenge;
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            if (http.Request.Path.StartsWithSegments($"{Path}/GrainState"))
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                await http.Response.WriteAsync("Grain state holds tenants' secrets and personal data; the engine does not serve it.");
                return;
            }

            var own = http.RequestServices;
            await using var scope = silo.CreateAsyncScope();
            http.RequestServices = scope.ServiceProvider;
            try
            {
                await next(http);
            }
            finally
            {
                http.RequestServices = own;
            }
        }));
        new SiloEndpoints(app, silo).MapOrleansDashboard(Path);
    }

    private static bool IsAdmin(HttpRequest request, EngineSettings settings)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header) || header.Parameter is not { Length: > 0 } value)
        {
            return false;
        }

        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return settings.IsAdminKey(value);
        }

        // Basic: any user name, the key as the password.
        var buffer = new byte[value.Length];
        if (!header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) || !Convert.TryFromBase64String(value, buffer, out var length))
        {
            return false;
        }

        var credentials = Encoding.UTF8.GetString(buffer, 0, length);
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && settings.IsAdminKey(credentials[(colon + 1)..]);
    }

    // The dashboard's endpoints take their services (grain factory, profiler, assets) from the builder
    // they are mapped on; this one hands out the silo's, while the endpoints land on the listener.
    private sealed class SiloEndpoints(IEndpointRouteBuilder listener, IServiceProvider silo) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => silo;

        public ICollection<EndpointDataSource> DataSources => listener.DataSources;

        public IApplicationBuilder CreateApplicationBuilder() => listener.CreateApplicationBuilder();
    }
}
