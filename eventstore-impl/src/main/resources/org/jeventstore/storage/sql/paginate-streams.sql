-- ${order} is one of a fixed list of "column direction" pairs chosen in code, never user text.
SELECT stream_uuid, stream_version, created_at, deleted_at, count(*) OVER () AS total
FROM ${schema}.streams
WHERE stream_id <> 0 AND (?::text IS NULL OR strpos(stream_uuid, ?::text) > 0)
ORDER BY ${order}, stream_id
LIMIT ? OFFSET ?
