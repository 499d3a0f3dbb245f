-- Delivery statuses that arrived before the engine recorded the provider's id of their message: a
-- provider can post a callback before its answer to the send has been written. They wait here and are
-- applied when the sender records the id; nothing a provider reports is dropped for arriving early.
CREATE TABLE IF NOT EXISTS early_statuses
(
    tenant_id           text        NOT NULL,
    provider            text        NOT NULL,
    provider_message_id text        NOT NULL,
    status              text        NOT NULL,
    error_code          text        NULL,
    occurred_at         timestamptz NOT NULL,
    parked_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, provider, provider_message_id, status)
);
