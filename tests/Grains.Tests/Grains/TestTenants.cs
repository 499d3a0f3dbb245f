using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Tests.Grains;

/// <summary>Tenants with both channels configured, unique per test so tests never share state.</summary>
internal static class TestTenants
{
    public static async Task<string> CreateAsync(IGrainFactory grains, Func<TenantSettings, TenantSettings>? customize = null)
    {
        var tenantId = $"t-{Guid.NewGuid():N}"[..20];
        var settings = TenantSettings.Defaults("Acme Homes") with
        {
            Sms = new SmsChannelSettings("AC" + new string('1', 32), "auth-token", "+14155550000", null, SenderKind.LongCode),
            WhatsApp = new WhatsAppChannelSettings("1234567890", "access-token", "app-secret", "verify-token"),
            QuietHours = QuietHoursSettings.Default with { Enabled = false },
        };
        await grains.GetGrain<ITenantGrain>(tenantId).CreateAsync(customize?.Invoke(settings) ?? settings);
        return tenantId;
    }

    /// <summary>A fresh valid US mobile-style number in New York.</summary>
    public static string NewPhone() => $"+1212555{Random.Shared.Next(1000, 9999)}";
}
