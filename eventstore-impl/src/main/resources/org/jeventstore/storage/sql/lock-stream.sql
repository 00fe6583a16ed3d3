-- A stream's row, locked for this transaction. Inputs: :stream_uuid (the stream id).
SELECT stream_id, stream_uuid, stream_version, created_at, deleted_at
FROM ${schema}.streams
WHERE stream_uuid = :stream_uuid
FOR UPDATE
