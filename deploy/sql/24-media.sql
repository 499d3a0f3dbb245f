-- Media on messages (references only, never the bytes): a JSON array of attachments, sealed with the
-- tenant's data key like the body, since captions and provider URLs are the lead's content.
ALTER TABLE message_log ADD COLUMN IF NOT EXISTS media_sealed bytea NULL;
