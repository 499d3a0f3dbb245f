using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Npgsql;
using NpgsqlTypes;
using Engine.Grains.Encryption;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.LeadDirectory;

/// <summary>The lead directory in lead_directory, filtered and paged by keyset in SQL.</summary>
public sealed class PostgresLeadDirectory : ILeadDirectory
{
    // Tags travel as one JSON array per row: unnest would flatten a two-dimensional text array.
    private static readonly string UpsertSql = $"""
        WITH listed AS (
            INSERT INTO lead_directory (tenant_id, lead_phone, created_at, tags, stage, sms_consent, whatsapp_consent)
            SELECT r.tenant_id, r.lead_phone, r.created_at, ARRAY(SELECT jsonb_array_elements_text(r.tags)), r.stage, r.sms, r.whatsapp
            FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::text[], $6::smallint[], $7::smallint[])
                AS r(tenant_id, lead_phone, created_at, tags, stage, sms, whatsapp)
            ON CONFLICT (tenant_id, lead_phone) DO UPDATE
            SET tags = excluded.tags, stage = excluded.stage, sms_consent = excluded.sms_consent, whatsapp_consent = excluded.whatsapp_consent
        ), announced AS (
        {PostgresEventLog.InsertSql(firstParameter: 8)}
        )
        SELECT event_id FROM announced
        """;

    private readonly NpgsqlDataSource dataSource;
    private readonly IEventNotifier notifier;
    private readonly PayloadCipher cipher;
    private readonly GroupCommit<(LeadListing Listing, (EventDraft Draft, byte[] SealedData)? Event), bool> _writes;

    public PostgresLeadDirectory(NpgsqlDataSource dataSource, IEventNotifier notifier, PayloadCipher cipher)
    {
        (this.dataSource, this.notifier, this.cipher) = (dataSource, notifier, cipher);
        // Every lead write has its row here; concurrent grains share statements, as their events do.
        _writes = new(UpsertAsync, row => (row.Listing.TenantId, row.Listing.LeadPhone));
    }

    public async Task WriteAsync(LeadListing listing, EventDraft? alongside = null, CancellationToken cancellationToken = default)
    {
        var sealedEvent = alongside is null ? ((EventDraft, byte[])?)null : await PostgresEventLog.SealAsync(cipher, alongside);
        if (await _writes.SubmitAsync((listing, sealedEvent)))
        {
            notifier.Notify(listing.TenantId);
        }
    }

    // The row and its event in one statement: a new lead's first write is then one round trip, not two.
    private async Task<IReadOnlyList<bool>> UpsertAsync(IReadOnlyList<(LeadListing Listing, (EventDraft Draft, byte[] SealedData)? Event)> rows)
    {
        await using var command = dataSource.CreateCommand(UpsertSql);
        var listings = rows.Select(r => r.Listing).ToArray();
        command.AddColumn(listings.Select(r => r.TenantId).ToArray());
        command.AddColumn(listings.Select(r => r.LeadPhone).ToArray());
        command.AddColumn(listings.Select(r => r.CreatedAt.ToUniversalTime()).ToArray());
        command.AddColumn(listings.Select(r => JsonSerializer.Serialize(r.Tags)).ToArray(), NpgsqlDbType.Jsonb);
        command.AddColumn(listings.Select(r => r.Stage).ToArray(), NpgsqlDbType.Text);
        command.AddColumn(listings.Select(r => (short)r.Sms).ToArray());
        command.AddColumn(listings.Select(r => (short)r.WhatsApp).ToArray());
        PostgresEventLog.AddColumns(command, [.. rows.Where(r => r.Event is not null).Select(r => r.Event!.Value)]);
        var announced = await command.ReadKeysAsync<string>();
        return rows.Select(r => r.Event is { } e && announced.Contains(e.Draft.EventId)).ToArray();
    }

    // The same conditions as LeadFilter.Matches, which the in-memory directory uses.
    public async Task<IReadOnlyList<LeadListing>> ListAsync(string tenantId, LeadFilter filter, LeadCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT lead_phone, created_at, tags, stage, sms_consent, whatsapp_consent
            FROM lead_directory
            WHERE tenant_id = $1
              AND ($2::text IS NULL OR $2 = ANY(tags))
              AND ($3::text IS NULL OR stage = $3)
              AND ($4::smallint IS NULL OR sms_consent = $4)
              AND ($5::smallint IS NULL OR whatsapp_consent = $5)
              AND ($6::timestamptz IS NULL OR (created_at, lead_phone) < ($6, $7::text))
            ORDER BY created_at DESC, lead_phone DESC
            LIMIT $8
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = (object?)filter.Tag ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)filter.Stage ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = filter.ConsentOn(Channel.Sms) is { } sms ? (short)sms : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Smallint });
        command.Parameters.Add(new() { Value = filter.ConsentOn(Channel.WhatsApp) is { } whatsApp ? (short)whatsApp : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Smallint });
        command.Parameters.Add(new() { Value = after is { } a ? a.CreatedAt.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)after?.LeadPhone ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var listings = new List<LeadListing>();
        while (await reader.ReadAsync(cancellationToken))
        {
            listings.Add(new LeadListing(tenantId, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<string[]>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), (ConsentStatus)reader.GetInt16(4), (ConsentStatus)reader.GetInt16(5)));
        }

        return listings;
    }
}
