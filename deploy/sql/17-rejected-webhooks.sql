-- Webhook items the gateway could not use (a message without a sender, a status without a recipient,
-- a Twilio form without MessageSid), kept with what arrived and why, so an operator can see them.
-- The provider got a 200 for them: refusing would make it retry, and drop, the good items sent
-- alongside. id is derived from the tenant, provider and item, so a provider's retry stores nothing new.
CREATE TABLE IF NOT EXISTS rejected_webhooks
(
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id     text        NOT NULL,
    provider      text        NOT NULL,
    kind          text        NOT NULL,
    code          text        NOT NULL,
    reason        text        NOT NULL,
    raw           text        NOT NULL, -- not jsonb: an item cut at 64 KiB is no longer JSON
    raw_truncated boolean     NOT NULL,
    received_at   timestamptz NOT NULL
);

-- Newest first, per tenant, resumed after (received_at, id).
CREATE INDEX IF NOT EXISTS ix_rejected_webhooks_tenant ON rejected_webhooks (tenant_id, received_at DESC, id DESC);
