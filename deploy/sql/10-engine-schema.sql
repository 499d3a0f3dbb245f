-- The engine's own records. Personal data is keyed by (tenant_id, lead_phone) everywhere so a
-- person's data can be found, exported and erased by tenant and E.164 number.

-- Every inbound and outbound message, one row each. A provider's message id is unique per
-- tenant and provider, so a replayed webhook cannot insert a second row.
CREATE TABLE IF NOT EXISTS message_log
(
    message_id          uuid        NOT NULL PRIMARY KEY,
    tenant_id           text        NOT NULL,
    lead_phone          text        NOT NULL,
    channel             text        NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
    direction           text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    provider            text        NOT NULL,
    provider_message_id text        NULL,
    message_type        text        NOT NULL,
    body                text        NULL,
    status              text        NOT NULL,
    status_rank         smallint    NOT NULL,
    error_code          text        NULL,
    occurred_at         timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ux_message_log_provider_message UNIQUE (tenant_id, provider, provider_message_id)
);

CREATE INDEX IF NOT EXISTS ix_message_log_conversation
    ON message_log (tenant_id, lead_phone, channel, occurred_at DESC);

-- Append-only audit of every consent change. entry_id is derived from the cause of the change
-- (the inbound message, the API request), so a retried write is a no-op.
CREATE TABLE IF NOT EXISTS consent_ledger
(
    entry_id        text        NOT NULL PRIMARY KEY,
    tenant_id       text        NOT NULL,
    lead_phone      text        NOT NULL,
    channel         text        NOT NULL,
    previous_status text        NOT NULL,
    status          text        NOT NULL,
    source          text        NOT NULL,
    evidence        text        NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ix_consent_ledger_lead ON consent_ledger (tenant_id, lead_phone, occurred_at);

CREATE OR REPLACE FUNCTION consent_ledger_reject_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent_ledger is append-only';
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS consent_ledger_append_only ON consent_ledger;
CREATE TRIGGER consent_ledger_append_only BEFORE UPDATE ON consent_ledger
    FOR EACH ROW EXECUTE FUNCTION consent_ledger_reject_update();
