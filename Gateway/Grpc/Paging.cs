using System.Globalization;
using System.Text;

namespace Engine.Gateway.Grpc;

/// <summary>page_size and page_token, the same on every list call: opaque tokens over keyset cursors.</summary>
internal static class Paging
{
    /// <summary>A validated page size: 1-200, 50 when unset.</summary>
    public static int PageSize(int requested)
    {
        if (requested is < 0 or > 200)
        {
            RpcErrors.InvalidArgument("page_size", "must be between 1 and 200");
        }

        return requested == 0 ? 50 : requested;
    }

    public static string Encode(string cursor) => Convert.ToBase64String(Encoding.UTF8.GetBytes(cursor));

    /// <summary>The cursor inside a token, or "" when the token is not one of ours.</summary>
    public static string Decode(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            return "";
        }
    }

    public static string EncodeSequence(long sequence) => Encode(sequence.ToString(CultureInfo.InvariantCulture));

    public static long DecodeSequence(string token) =>
        long.TryParse(Decode(token), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : InvalidToken<long>();

    public static T InvalidToken<T>()
    {
        RpcErrors.InvalidArgument("page_token", "is not a token this API returned");
        return default!;
    }
}
