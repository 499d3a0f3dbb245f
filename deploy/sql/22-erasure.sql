-- Erasure (README "Data rights" > "Erase"). A job row is written before anything is removed and
-- finished after everything is. lead_address and identifiers are kept only while the job runs, so a
-- crash half-way can be finished; afterwards the row holds the keyed hash, who asked, and the counts.
CREATE TABLE IF NOT EXISTS erasure_jobs
(
    tenant_id      text        NOT NULL,
    address_hash   text        NOT NULL,
    lead_address   text        NULL,
    identifiers    text[]      NOT NULL DEFAULT '{}',
    requested_by   text        NOT NULL,
    requested_at   timestamptz NOT NULL,
    finished_at    timestamptz NULL,
    removed        jsonb       NOT NULL DEFAULT '{}',
    stream_cursors bigint[]    NOT NULL DEFAULT '{}', -- events removed from PostgreSQL, still to delete from Redis
    PRIMARY KEY (tenant_id, address_hash),
    CHECK (finished_at IS NOT NULL OR lead_address IS NOT NULL)
);

CREATE INDEX IF NOT EXISTS ix_erasure_jobs_unfinished ON erasure_jobs (requested_at) WHERE finished_at IS NULL;

-- What outlives an erasure: per channel, that the person had opted out, how and when, under the
-- keyed hash (HMAC-SHA256 with Engine:SuppressionKey) of the address.
CREATE TABLE IF NOT EXISTS suppressions
(
    tenant_id    text        NOT NULL,
    address_hash text        NOT NULL,
    channel      text        NOT NULL,
    source       text        NOT NULL,
    opted_out_at timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, address_hash, channel)
);

-- The ledger stays append-only except for the erasure path, which marks its own transaction with
-- SET LOCAL engine.erasure = 'on'. TRUNCATE stays refused.
CREATE OR REPLACE FUNCTION consent_ledger_reject_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('engine.erasure', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'consent_ledger is append-only: % is not allowed', TG_OP;
END
$$ LANGUAGE plpgsql;

-- Erasure deletes a person's grain rows by their keys. The key never changes on a row, so state
-- writes stay HOT updates.
CREATE INDEX IF NOT EXISTS ix_orleans_storage_key ON OrleansStorage (GrainIdExtensionString);

-- The audit log stays append-only too, except that the erasure path may blank the subject of a
-- person's entries (their address) in its own transaction.
CREATE OR REPLACE FUNCTION audit_log_reject_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('engine.erasure', true) = 'on'
       AND NEW.seq = OLD.seq AND NEW.tenant_id = OLD.tenant_id AND NEW.action = OLD.action AND NEW.actor_key_id = OLD.actor_key_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END
$$ LANGUAGE plpgsql;
