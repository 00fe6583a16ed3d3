-- A stream's current version ($all: its last position); 0 when it does not exist. Parameter: the stream id.
SELECT coalesce((SELECT stream_version FROM ${schema}.streams WHERE stream_uuid = ?), 0)
