-- Retention purges a tenant's messages (and the bodies in their events) by age, in batches; these
-- indexes find the oldest rows of one tenant without scanning the others'.
CREATE INDEX IF NOT EXISTS ix_message_log_tenant_age ON message_log (tenant_id, occurred_at);
CREATE INDEX IF NOT EXISTS ix_events_with_body ON events (tenant_id, occurred_at) WHERE data ? 'body';
CREATE INDEX IF NOT EXISTS ix_send_requests_message ON send_requests (message_id);
CREATE INDEX IF NOT EXISTS ix_send_requests_age ON send_requests (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS ix_early_statuses_age ON early_statuses (tenant_id, parked_at);
