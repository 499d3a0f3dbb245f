namespace Engine.Simulator;

/// <summary>
/// A message the simulator accepted, as the provider would have it; one sent through a Twilio
/// Messaging Service names it, and comes from one of the service's numbers. <see cref="MediaUrls"/> are
/// Twilio's MediaUrl fields, or the link of a WhatsApp media message (whose caption is the body, and
/// whose <see cref="MediaFilename"/> a document may carry).
/// </summary>
public sealed record SimulatedMessage(
    string Provider, string Id, string Account, string From, string To, string? Body, string? Template, DateTimeOffset ReceivedAt, string? MessagingServiceSid = null,
    IReadOnlyList<string>? MediaUrls = null, string? MediaFilename = null);
