using System.Globalization;
using System.Text;

namespace Engine.Gateway.Grpc;

/// <summary>
/// Page sizes and page tokens of the paged calls. A token is the last shown item's sort key, so the next
/// page starts right after it however many items arrive meanwhile; callers treat it as opaque.
/// </summary>
internal static class Paging
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;

    /// <summary>The page size asked for, 0 meaning the default; INVALID_ARGUMENT outside 1-200.</summary>
    public static int PageSize(int requested)
    {
        if (requested is < 0 or > MaxPageSize)
        {
            RpcErrors.InvalidArgument("page_size", $"must be between 1 and {MaxPageSize}");
        }

        return requested == 0 ? DefaultPageSize : requested;
    }

    /// <summary>A token for a sort key made of <paramref name="parts"/>; only the last may contain '|'.</summary>
    public static string Token(params string[] parts) => Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join('|', parts)));

    /// <summary>The <paramref name="count"/> parts of a token this API returned; INVALID_ARGUMENT otherwise.</summary>
    public static string[] Parts(string token, int count)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            text = "";
        }

        var parts = text.Split('|', count);
        return parts.Length == count ? parts : InvalidToken<string[]>();
    }

    /// <summary>
    /// A page of a short list the gateway holds whole (a tenant's playbooks or subscriptions), in
    /// ordinal order of <paramref name="key"/>, which is unique.
    /// </summary>
    public static (T[] Items, string NextPageToken) InOrderOf<T>(IEnumerable<T> items, Func<T, string> key, int requestedSize, string pageToken)
    {
        var size = PageSize(requestedSize);
        var after = pageToken.Length == 0 ? null : Parts(pageToken, 1)[0];
        var page = items.Where(i => after is null || string.CompareOrdinal(key(i), after) > 0).OrderBy(key, StringComparer.Ordinal).Take(size + 1).ToArray();
        return page.Length > size ? (page[..size], Token(key(page[size - 1]))) : (page, "");
    }

    /// <summary>A token for a position in a sequence (a ledger's order).</summary>
    public static string SequenceToken(long sequence) => Token(sequence.ToString(CultureInfo.InvariantCulture));

    /// <summary>The sequence inside a <see cref="SequenceToken"/>; INVALID_ARGUMENT otherwise.</summary>
    public static long Sequence(string token) =>
        long.TryParse(Parts(token, 1)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : InvalidToken<long>();

    /// <summary>INVALID_ARGUMENT naming page_token; typed so that it can end an expression.</summary>
    public static T InvalidToken<T>() => RpcErrors.InvalidArgument<T>("page_token", "is not a token this API returned");
}
