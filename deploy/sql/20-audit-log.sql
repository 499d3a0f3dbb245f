-- Administrative actions (tenant settings, API keys, playbooks, webhooks, consent recorded through
-- the API), with the key that acted. Append-only like the consent ledger. Never secrets or bodies.
CREATE TABLE IF NOT EXISTS audit_log
(
    seq          bigserial   NOT NULL PRIMARY KEY,
    tenant_id    text        NOT NULL,
    actor_key_id text        NOT NULL,
    action       text        NOT NULL,
    subject      text        NOT NULL,
    details      text        NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ix_audit_log_tenant ON audit_log (tenant_id, seq);

CREATE OR REPLACE FUNCTION audit_log_reject_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();
