namespace Engine.TestSupport;

/// <summary>Polling for conditions that become true asynchronously (membership, reactivation).</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> attempt, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        Exception? lastError = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                var value = await attempt();
                if (done(value))
                {
                    return value;
                }
            }
            catch (Exception e)
            {
                lastError = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new TimeoutException($"{what} did not happen within {timeout}.", lastError);
    }
}
