-- Outbound messages wait in message_log with status 'queued' until a sender grain hands them to the
-- provider. template keeps a WhatsApp template's name, language and parameters; attempted_at marks
-- a hand-off whose outcome is not known yet (so a crash or timeout is reconciled, never re-sent blindly).
ALTER TABLE message_log ADD COLUMN IF NOT EXISTS template jsonb NULL;
ALTER TABLE message_log ADD COLUMN IF NOT EXISTS attempted_at timestamptz NULL;
ALTER TABLE message_log ADD COLUMN IF NOT EXISTS attempts smallint NOT NULL DEFAULT 0;

CREATE INDEX IF NOT EXISTS ix_message_log_outbox
    ON message_log (tenant_id, channel, occurred_at, message_id)
    WHERE direction = 'outbound' AND status = 'queued';
