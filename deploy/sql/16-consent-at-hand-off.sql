-- Consent is re-checked when a message leaves, so each outbound message keeps why it is sent: an
-- opt-out confirmation may reach an opted-out lead, a playbook step never reaches one without consent.
ALTER TABLE message_log ADD COLUMN IF NOT EXISTS purpose text NOT NULL DEFAULT 'standard';

-- Ledger entry ids are chosen by causes and clients, so they are unique per lead, not globally.
-- change_id and fingerprint tell a replayed change from a reuse of its id with other content;
-- outcome is 'applied', or 'superseded' for a change older than the consent it would replace;
-- seq orders the ledger for paging.
ALTER TABLE consent_ledger ADD COLUMN IF NOT EXISTS change_id text NULL;
ALTER TABLE consent_ledger ADD COLUMN IF NOT EXISTS fingerprint text NULL;
ALTER TABLE consent_ledger ADD COLUMN IF NOT EXISTS outcome text NOT NULL DEFAULT 'applied';
ALTER TABLE consent_ledger ADD COLUMN IF NOT EXISTS seq bigserial;
ALTER TABLE consent_ledger DROP CONSTRAINT IF EXISTS consent_ledger_pkey;
ALTER TABLE consent_ledger ADD CONSTRAINT consent_ledger_pkey PRIMARY KEY (tenant_id, lead_phone, entry_id);
CREATE INDEX IF NOT EXISTS ix_consent_ledger_change ON consent_ledger (tenant_id, lead_phone, change_id);
CREATE INDEX IF NOT EXISTS ix_consent_ledger_seq ON consent_ledger (tenant_id, lead_phone, seq);

-- The ledger is evidence: no UPDATE, DELETE or TRUNCATE. Erasure will be its own audited path.
CREATE OR REPLACE FUNCTION consent_ledger_reject_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent_ledger is append-only: % is not allowed', TG_OP;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS consent_ledger_append_only ON consent_ledger;
DROP FUNCTION IF EXISTS consent_ledger_reject_update();
CREATE TRIGGER consent_ledger_append_only BEFORE UPDATE OR DELETE ON consent_ledger
    FOR EACH ROW EXECUTE FUNCTION consent_ledger_reject_change();
DROP TRIGGER IF EXISTS consent_ledger_no_truncate ON consent_ledger;
CREATE TRIGGER consent_ledger_no_truncate BEFORE TRUNCATE ON consent_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION consent_ledger_reject_change();
