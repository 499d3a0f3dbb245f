namespace Engine.Gateway.Tests.Webhooks;

/// <summary>Notification bodies in the shape Meta's Cloud API posts them.</summary>
internal static class WhatsAppPayloads
{
    public static string Notification(string wabaId, IEnumerable<string> changes) =>
        $$"""{"object":"whatsapp_business_account","entry":[{"id":"{{wabaId}}","changes":[{{string.Join(",", changes)}}]}]}""";

    public static string Change(string phoneNumberId, (string WaId, string Name)[]? contacts = null, string[]? messages = null, string[]? statuses = null) =>
        $$$"""
        {"field":"messages","value":{"messaging_product":"whatsapp",
          "metadata":{"display_phone_number":"15550001111","phone_number_id":"{{{phoneNumberId}}}"},
          "contacts":[{{{string.Join(",", (contacts ?? []).Select(c => $$$"""{"profile":{"name":"{{{c.Name}}}"},"wa_id":"{{{c.WaId}}}"}"""))}}}],
          "messages":[{{{string.Join(",", messages ?? [])}}}],
          "statuses":[{{{string.Join(",", statuses ?? [])}}}]}}
        """;

    public static string Text(string from, string id, string body, long timestamp = 1700000000) =>
        $$$"""{"from":"{{{from}}}","id":"{{{id}}}","timestamp":"{{{timestamp}}}","type":"text","text":{"body":"{{{body}}}"}}""";
}
