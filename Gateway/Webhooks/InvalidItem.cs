namespace Engine.Gateway.Webhooks;

/// <summary>
/// One item of a webhook that cannot be used: its <paramref name="Kind"/> ("message", "status",
/// "inbound"), a short <paramref name="Code"/> for metrics and logs, a <paramref name="Reason"/> naming the
/// field, and the item as it arrived (<paramref name="Raw"/>, JSON).
/// </summary>
internal sealed record InvalidItem(string Kind, string Code, string Reason, string Raw);
