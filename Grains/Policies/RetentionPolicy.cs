using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Policies;

/// <summary>What a tenant's retention settings remove at a moment: data stored before each cutoff.</summary>
public sealed record RetentionCutoffs(DateTimeOffset? BodiesBefore, DateTimeOffset? MessagesBefore)
{
    public bool RemovesAnything => BodiesBefore is not null || MessagesBefore is not null;
}

/// <summary>Turns retention in days into cutoffs; a day count of 0 (or no settings) keeps that data forever.</summary>
public static class RetentionPolicy
{
    public static RetentionCutoffs CutoffsAt(DateTimeOffset now, RetentionSettings? settings) => new(
        settings is { MessageBodyDays: > 0 } ? now - TimeSpan.FromDays(settings.MessageBodyDays) : null,
        settings is { MessageDays: > 0 } ? now - TimeSpan.FromDays(settings.MessageDays) : null);
}
