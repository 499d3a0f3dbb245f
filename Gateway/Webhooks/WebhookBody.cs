namespace Engine.Gateway.Webhooks;

/// <summary>
/// Reads a webhook's body up to the provider's cap, so an oversized (or endless) request costs at most
/// the cap in memory. The caps are well above what each provider sends: Twilio's form posts are a few
/// KiB, Meta batches up to about a hundred changes.
/// </summary>
internal static class WebhookBody
{
    public const int TwilioLimit = 64 * 1024;
    public const int MetaLimit = 1024 * 1024;

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (said up front or found reading).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public static string Describe(int limit) => $"the body is larger than {limit / 1024} KiB";
}
