-- The lead directory (ListLeads): a row a lead with what leads are filtered by. Lead grain state is the
-- record but sealed in OrleansStorage, so it cannot be queried; the lead grain writes this row after
-- each write of its state. Consent columns hold the engine's status (0 nothing recorded, 1 opted in,
-- 2 opted out, 3 pending). Leads last written before this script appear once they are written again.
CREATE TABLE IF NOT EXISTS lead_directory
(
    tenant_id        text        NOT NULL,
    lead_phone       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    tags             text[]      NOT NULL DEFAULT '{}',
    stage            text        NULL,
    sms_consent      smallint    NOT NULL DEFAULT 0,
    whatsapp_consent smallint    NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, lead_phone)
);

CREATE INDEX IF NOT EXISTS lead_directory_newest ON lead_directory (tenant_id, created_at DESC, lead_phone DESC);
CREATE INDEX IF NOT EXISTS lead_directory_tags ON lead_directory USING gin (tags);
