-- Events a partner's webhook kept refusing for the whole retry window; kept for the API to list
-- (and for an operator to replay). Delivery moves on past them, so one bad event blocks nothing.
CREATE TABLE IF NOT EXISTS webhook_dead_letters
(
    tenant_id       text        NOT NULL,
    subscription_id text        NOT NULL,
    cursor          bigint      NOT NULL,
    event_id        text        NOT NULL,
    event_type      text        NOT NULL,
    attempts        integer     NOT NULL,
    last_error      text        NULL,
    first_failed_at timestamptz NOT NULL,
    parked_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subscription_id, cursor)
);
