namespace Engine.Grains.Storage.LeadDirectory;

/// <summary>A position in a tenant's leads, newest first: (created_at, lead_phone).</summary>
public readonly record struct LeadCursor(DateTimeOffset CreatedAt, string LeadPhone);
