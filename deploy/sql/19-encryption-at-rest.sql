-- Envelope encryption (README, Data rights): each scope (a tenant, or the grain state as a whole) has
-- one random AES-256 data key, stored only wrapped by a key-encryption key from configuration
-- (Engine:Encryption:Keys:<kek_id>). Rotating the key-encryption key rewraps these rows; the data
-- encrypted under a data key is never rewritten.
CREATE TABLE IF NOT EXISTS data_keys
(
    scope        text        NOT NULL PRIMARY KEY,
    kek_id       text        NOT NULL,
    wrapped      bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    rewrapped_at timestamptz NULL
);

-- Message bodies are written sealed with the tenant's data key. body and data stay for rows written
-- before this version, which are read as they are.
ALTER TABLE message_log ADD COLUMN IF NOT EXISTS body_sealed bytea NULL;
ALTER TABLE events ADD COLUMN IF NOT EXISTS data_sealed bytea NULL;
ALTER TABLE events ALTER COLUMN data DROP NOT NULL;
