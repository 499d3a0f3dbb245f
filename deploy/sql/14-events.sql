-- The outbox of conversation events. Rows are written in the same statement as the change they
-- describe (a message stored, a status moved, a consent recorded, a step fired), so no change goes
-- without its event and none gets two. A tenant's relay then gives each event the tenant's next
-- cursor, in commit order, and fans it out through Redis Streams; this table stays the record.
CREATE TABLE IF NOT EXISTS events
(
    event_seq   bigserial   NOT NULL PRIMARY KEY,
    event_id    text        NOT NULL UNIQUE,
    tenant_id   text        NOT NULL,
    type        text        NOT NULL,
    subject     text        NOT NULL,
    lead_phone  text        NULL,
    occurred_at timestamptz NOT NULL,
    data        jsonb       NOT NULL,
    cursor      bigint      NULL,
    CONSTRAINT ux_events_tenant_cursor UNIQUE (tenant_id, cursor)
);

CREATE INDEX IF NOT EXISTS ix_events_unpublished ON events (tenant_id, event_seq) WHERE cursor IS NULL;
CREATE INDEX IF NOT EXISTS ix_events_lead ON events (tenant_id, lead_phone);

-- The last cursor handed out per tenant.
CREATE TABLE IF NOT EXISTS event_cursors
(
    tenant_id   text   NOT NULL PRIMARY KEY,
    last_cursor bigint NOT NULL
);
