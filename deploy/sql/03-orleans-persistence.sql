-- Grain state for Orleans' ADO.NET storage provider. A row is identified by the service, the
-- state name (the provider passes it as GrainTypeString) and the grain key; Version is the ETag.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NOT NULL
) WITH (fillfactor = 80); -- room for HOT updates: grain rows are rewritten in place all day

-- Unique, unlike a plain lookup index, so two racing first writes cannot both insert.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Identity
    ON OrleansStorage (GrainIdHash, GrainTypeHash, ServiceId, GrainTypeString, GrainIdN0, GrainIdN1,
                       COALESCE(GrainIdExtensionString, ''));

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', '
SELECT PayloadBinary, NULL::xml AS PayloadXml, NULL::text AS PayloadJson, now() AS ReadOn, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash::int AND GrainTypeHash = @GrainTypeHash::int
  AND ServiceId = @ServiceId::varchar AND GrainTypeString = @GrainTypeString::varchar
  AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
  AND COALESCE(GrainIdExtensionString, '''') = COALESCE(@GrainIdExtensionString::varchar, '''');
'),
-- A write carries the version it read (NULL for a grain never stored). It updates only that
-- version, or inserts only if no row exists; otherwise it returns the old version unchanged,
-- which the provider reports as an InconsistentStateException.
('WriteToStorageKey', '
WITH updated AS (
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary::bytea, ModifiedOn = now(), Version = Version + 1
    WHERE @GrainStateVersion::int IS NOT NULL
      AND GrainIdHash = @GrainIdHash::int AND GrainTypeHash = @GrainTypeHash::int
      AND ServiceId = @ServiceId::varchar AND GrainTypeString = @GrainTypeString::varchar
      AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
      AND COALESCE(GrainIdExtensionString, '''') = COALESCE(@GrainIdExtensionString::varchar, '''')
      AND Version = @GrainStateVersion::int
    RETURNING Version
), inserted AS (
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString,
         ServiceId, PayloadBinary, Version)
    SELECT @GrainIdHash::int, @GrainIdN0::bigint, @GrainIdN1::bigint, @GrainTypeHash::int,
           @GrainTypeString::varchar, @GrainIdExtensionString::varchar, @ServiceId::varchar,
           @PayloadBinary::bytea, 1
    WHERE @GrainStateVersion::int IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT COALESCE((SELECT Version FROM updated), (SELECT Version FROM inserted), @GrainStateVersion::int)
       AS NewGrainStateVersion;
'),
('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
WHERE GrainIdHash = @GrainIdHash::int AND GrainTypeHash = @GrainTypeHash::int
  AND ServiceId = @ServiceId::varchar AND GrainTypeString = @GrainTypeString::varchar
  AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
  AND COALESCE(GrainIdExtensionString, '''') = COALESCE(@GrainIdExtensionString::varchar, '''')
  AND Version = @GrainStateVersion::int
RETURNING Version AS NewGrainStateVersion;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
