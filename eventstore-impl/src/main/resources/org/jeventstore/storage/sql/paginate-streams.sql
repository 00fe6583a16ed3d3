-- Every stream, $all (stream 0) included, as Elixir's query_streams lists them.
-- ${order} is one of a fixed list of "column direction" pairs chosen in code, never user text.
SELECT stream_uuid, stream_version, created_at, deleted_at, count(*) OVER () AS total
FROM ${schema}.streams
WHERE :search::text IS NULL OR strpos(stream_uuid, :search::text) > 0
ORDER BY ${order}, stream_id
LIMIT :limit OFFSET :offset
