using Engine.Grains.Options;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace Engine.Grains.Delivery;

/// <summary>
/// Retries a send only when the provider certainly did not take it: a connection that never opened,
/// 429, and the throughput codes (20429, 130429, 131056). A timeout or a 5xx is not retried here: the
/// message may have been stored, and the sender reconciles it instead. A lookup (GET) changes nothing,
/// so it is also retried after a 5xx or a timeout.
/// </summary>
internal static class ProviderResilience
{
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, IServiceProvider services)
    {
        var settings = services.GetRequiredService<IOptions<ProviderSettings>>().Value;
        pipeline
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, settings.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(10),
                ShouldHandle = args => ShouldRetryAsync(args.Outcome, args.Context.GetRequestMessage()?.Method == HttpMethod.Get, settings.MaxRetries),
            })
            .AddTimeout(settings.AttemptTimeout);
    }

    private static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, bool isLookup, int maxRetries)
    {
        if (maxRetries == 0)
        {
            return false;
        }

        if (outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
        {
            return true;
        }

        if (isLookup && outcome.Exception is TimeoutRejectedException or HttpRequestException)
        {
            return true;
        }

        if (outcome.Result is not { } response || response.IsSuccessStatusCode)
        {
            return false;
        }

        if (ProviderErrors.IsRefusedForNow(response.StatusCode, null) || (isLookup && (int)response.StatusCode >= 500))
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.BadRequest)
        {
            return false;
        }

        // Meta reports some throughput limits as 400 with a code; the body stays readable afterwards.
        await response.Content.LoadIntoBufferAsync();
        try
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = body.RootElement;
            var code = root.TryGetProperty("error", out var error) && error.TryGetProperty("code", out var c) ? c.ToString()
                : root.TryGetProperty("code", out var twilioCode) ? twilioCode.ToString() : null;
            return ProviderErrors.IsRefusedForNow(response.StatusCode, code);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
