-- Every playbook step the engine fired: when it was due, when it fired, and what became of it.
-- Keyed so a step can be recorded once only, which is also the proof that none fired twice.
CREATE TABLE IF NOT EXISTS automation_firings
(
    tenant_id   text        NOT NULL,
    lead_phone  text        NOT NULL,
    run_id      text        NOT NULL,
    step        integer     NOT NULL,
    playbook_id text        NOT NULL,
    due_at      timestamptz NOT NULL,
    fired_at    timestamptz NOT NULL,
    message_id  uuid        NULL,
    outcome     text        NOT NULL,
    PRIMARY KEY (tenant_id, lead_phone, run_id, step)
);

CREATE INDEX IF NOT EXISTS ix_automation_firings_tenant ON automation_firings (tenant_id, fired_at);
