-- The first answer to every send request that carried an idempotency key, so a retried request gets
-- that same answer (queued, scheduled or refused) instead of a second message.
CREATE TABLE IF NOT EXISTS send_requests
(
    tenant_id       text        NOT NULL,
    idempotency_key text        NOT NULL,
    lead_phone      text        NOT NULL,
    channel         text        NOT NULL,
    message_id      uuid        NOT NULL,
    disposition     text        NOT NULL,
    rejection       text        NOT NULL,
    reason          text        NULL,
    scheduled_for   timestamptz NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);

CREATE INDEX IF NOT EXISTS ix_send_requests_lead ON send_requests (tenant_id, lead_phone);
