using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Policies;

/// <summary>
/// Decides when a message may go out so that it lands inside the allowed local-time window of every
/// time zone the recipient may be in. When a number maps to several zones, only the overlap of their
/// windows is allowed. Works on instants, so daylight-saving changes need no special case.
/// </summary>
public sealed class QuietHoursPolicy(QuietHoursSettings settings, IReadOnlyCollection<DayOfWeek>? allowedDays = null)
{
    private const int DaysToSearch = 8; // enough to cross a weekend when only working days are allowed

    /// <summary>The policy that keeps business-hours-only steps inside the tenant's opening hours.</summary>
    public static QuietHoursPolicy ForBusinessHours(BusinessHoursSettings hours) =>
        new(new QuietHoursSettings(true, hours.OpensAt, hours.ClosesAt), hours.Days);

    /// <summary>The zones quiet and business hours apply in for a lead: its own, or the tenant's default.</summary>
    public static TimeZoneInfo[] ZonesOf(LeadSnapshot lead, TenantSettings tenant) =>
        ResolveZones(lead.TimeZones.Count > 0 ? lead.TimeZones : [tenant.DefaultTimeZone]);

    /// <summary>The zones with these IANA ids that this machine knows; UTC when none is known.</summary>
    private static TimeZoneInfo[] ResolveZones(IEnumerable<string> ids) => ids
        .Select(id => TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null)
        .OfType<TimeZoneInfo>()
        .DefaultIfEmpty(TimeZoneInfo.Utc)
        .ToArray();

    /// <summary>True when <paramref name="instant"/> is inside the window (and on an allowed day) in every zone.</summary>
    public bool IsAllowed(DateTimeOffset instant, IReadOnlyList<TimeZoneInfo> zones) =>
        !settings.Enabled || zones.All(zone => IsAllowedLocally(TimeZoneInfo.ConvertTime(instant, zone)));

    private bool IsAllowedLocally(DateTimeOffset local) =>
        IsInsideWindow(local.TimeOfDay)
        && (allowedDays is null || allowedDays.Contains(DayOfWeekOfWindow(local)));

    // A window spanning midnight belongs to the day it opened on.
    private DayOfWeek DayOfWeekOfWindow(DateTimeOffset local) =>
        settings.AllowedFrom > settings.AllowedUntil && local.TimeOfDay < settings.AllowedUntil
            ? local.AddDays(-1).DayOfWeek
            : local.DayOfWeek;

    /// <summary>
    /// The earliest instant at or after <paramref name="now"/> allowed in every zone. The overlap of
    /// daily windows always begins at "now" or at some zone's window opening, so those are the only
    /// candidates worth checking.
    /// </summary>
    public DateTimeOffset NextAllowedInstant(DateTimeOffset now, IReadOnlyList<TimeZoneInfo> zones)
    {
        if (IsAllowed(now, zones))
        {
            return now;
        }

        var candidates = zones
            .SelectMany(zone => WindowOpenings(now, zone))
            .Where(candidate => candidate > now)
            .Order();
        foreach (var candidate in candidates)
        {
            if (IsAllowed(candidate, zones))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"No instant in the next {DaysToSearch} days lies inside {settings.AllowedFrom}-{settings.AllowedUntil} " +
            $"in all of {string.Join(", ", zones.Select(z => z.Id))}.");
    }

    private bool IsInsideWindow(TimeSpan localTime)
    {
        var (from, until) = (settings.AllowedFrom, settings.AllowedUntil);
        return from <= until
            ? localTime >= from && localTime < until
            : localTime >= from || localTime < until; // a window that spans midnight
    }

    private IEnumerable<DateTimeOffset> WindowOpenings(DateTimeOffset now, TimeZoneInfo zone)
    {
        var localToday = TimeZoneInfo.ConvertTime(now, zone).Date;
        for (var day = -1; day <= DaysToSearch; day++)
        {
            yield return LocalToInstant(localToday.AddDays(day) + settings.AllowedFrom, zone);
        }
    }

    // A wall-clock time that a spring-forward skips does not exist; the window then opens at the
    // first minute that does. An ambiguous fall-back time takes its first (daylight) occurrence.
    private static DateTimeOffset LocalToInstant(DateTime local, TimeZoneInfo zone)
    {
        var wallClock = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(wallClock))
        {
            wallClock = wallClock.AddMinutes(1);
        }

        var offset = zone.IsAmbiguousTime(wallClock)
            ? zone.GetAmbiguousTimeOffsets(wallClock).Max()
            : zone.GetUtcOffset(wallClock);
        return new DateTimeOffset(wallClock, offset);
    }
}
