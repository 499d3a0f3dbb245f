namespace Engine.Grains.Storage.Messages;

/// <summary>
/// The SQL that writes a status change's event in the same statement as the change. It supplies the
/// fields of <see cref="Events.EventJson.OfStatusChange"/>, not its bytes: jsonb keeps its own key order
/// and formats, and readers of the event turn it into those bytes with <see cref="Events.EventJson.OfStored"/>.
/// </summary>
internal static class MessageEventSql
{
    /// <summary>
    /// A CTE appended after an <c>updated</c> CTE that returns changed message_log rows, their updated_at
    /// set from the engine's clock (the event's time, as in memory); <paramref name="typeParameter"/>
    /// names the parameter holding the event type (may be null: no event).
    /// </summary>
    public static string StatusEventCte(string typeParameter) => $"""
        , evt AS (
            INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data)
            SELECT {typeParameter} || '/' || message_id::text, tenant_id, {typeParameter}, lead_phone || '/' || channel, lead_phone, updated_at,
                   jsonb_build_object('messageId', message_id, 'phone', lead_phone, 'channel', channel, 'direction', direction,
                                      'provider', provider, 'providerMessageId', provider_message_id, 'messageType', message_type,
                                      'status', status, 'errorCode', error_code, 'at', updated_at)
            FROM updated WHERE {typeParameter}::text IS NOT NULL
            ON CONFLICT (event_id) DO NOTHING
        )
        """;
}
