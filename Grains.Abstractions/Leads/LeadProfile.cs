namespace Engine.Grains.Abstractions.Leads;

/// <summary>What the business knows about a person, besides their number and consent.</summary>
[GenerateSerializer, Immutable, Alias("engine.lead-profile.v1")]
public sealed record class LeadProfile(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? Email,
    [property: Id(2)] string? TimeZone,
    [property: Id(3)] IReadOnlyList<string> Tags,
    [property: Id(4)] IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>The lead's pipeline stage, kept in the "stage" attribute.</summary>
    public string? Stage => Attributes.GetValueOrDefault("stage");

    /// <summary>A profile with nothing in it.</summary>
    public static LeadProfile Empty { get; } = new(null, null, null, [], new Dictionary<string, string>());
}

/// <summary>A partial profile update: null members are left as they are; <see cref="Identity"/> adds what a provider told about the person.</summary>
[GenerateSerializer, Immutable, Alias("engine.lead-profile-patch.v1")]
public sealed record class LeadProfilePatch(
    [property: Id(0)] string? Name = null,
    [property: Id(1)] string? Email = null,
    [property: Id(2)] string? TimeZone = null,
    [property: Id(3)] IReadOnlyList<string>? Tags = null,
    [property: Id(4)] IReadOnlyDictionary<string, string>? Attributes = null,
    [property: Id(5)] bool NameOnlyIfMissing = false,
    [property: Id(6)] LeadIdentity? Identity = null);
