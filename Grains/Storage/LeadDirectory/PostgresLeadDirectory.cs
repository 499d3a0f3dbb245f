using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Npgsql;
using NpgsqlTypes;

namespace Engine.Grains.Storage.LeadDirectory;

/// <summary>The lead directory in lead_directory, filtered and paged by keyset in SQL.</summary>
public sealed class PostgresLeadDirectory : ILeadDirectory
{
    private readonly NpgsqlDataSource dataSource;
    private readonly GroupCommit<LeadListing, bool> _writes;

    public PostgresLeadDirectory(NpgsqlDataSource dataSource)
    {
        this.dataSource = dataSource;
        // Every lead write has its row here; concurrent grains share statements, as their events do.
        _writes = new(UpsertAsync, listing => (listing.TenantId, listing.LeadPhone), maxBatch: 256, maxConcurrentWrites: 2);
    }

    public Task WriteAsync(LeadListing listing, CancellationToken cancellationToken = default) => _writes.SubmitAsync(listing);

    private async Task<IReadOnlyList<bool>> UpsertAsync(IReadOnlyList<LeadListing> rows)
    {
        // Tags travel as one JSON array per row: unnest would flatten a two-dimensional text array.
        await using var command = dataSource.CreateCommand("""
            INSERT INTO lead_directory (tenant_id, lead_phone, created_at, tags, stage, sms_consent, whatsapp_consent)
            SELECT r.tenant_id, r.lead_phone, r.created_at, ARRAY(SELECT jsonb_array_elements_text(r.tags)), r.stage, r.sms, r.whatsapp
            FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::text[], $6::smallint[], $7::smallint[])
                AS r(tenant_id, lead_phone, created_at, tags, stage, sms, whatsapp)
            ON CONFLICT (tenant_id, lead_phone) DO UPDATE
            SET tags = excluded.tags, stage = excluded.stage, sms_consent = excluded.sms_consent, whatsapp_consent = excluded.whatsapp_consent
            """);
        command.AddColumn(rows.Select(r => r.TenantId).ToArray());
        command.AddColumn(rows.Select(r => r.LeadPhone).ToArray());
        command.AddColumn(rows.Select(r => r.CreatedAt.ToUniversalTime()).ToArray());
        command.AddColumn(rows.Select(r => JsonSerializer.Serialize(r.Tags)).ToArray(), NpgsqlDbType.Jsonb);
        command.AddColumn(rows.Select(r => r.Stage).ToArray(), NpgsqlDbType.Text);
        command.AddColumn(rows.Select(r => (short)r.Sms).ToArray());
        command.AddColumn(rows.Select(r => (short)r.WhatsApp).ToArray());
        await command.ExecuteNonQueryAsync();
        return rows.Select(_ => true).ToArray();
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
