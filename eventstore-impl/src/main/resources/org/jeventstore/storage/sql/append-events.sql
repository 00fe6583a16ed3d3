-- Appends n >= 1 events in one statement. Lock order: the stream's row first (the "stream" CTE, which also
-- checks the expected version), then the $all row (stream 0), which is held until commit: that keeps $all
-- positions gapless and in commit order. If the stream CTE returns no row, nothing at all is written.
-- Parameters 1-6: event ids, types, causation ids, correlation ids, data (JSON text), metadata (JSON text).
WITH input AS (
  SELECT * FROM unnest(?::uuid[], ?::text[], ?::uuid[], ?::uuid[], ?::text[], ?::text[]) WITH ORDINALITY
    AS i(event_id, event_type, causation_id, correlation_id, data, metadata, ord)
),
stream AS (
/*STREAM*/
),
global AS (
  UPDATE ${schema}.streams SET stream_version = stream_version + (SELECT count(*) FROM input)
  WHERE stream_id = 0 AND EXISTS (SELECT 1 FROM stream)
  RETURNING stream_version AS new_position
),
inserted AS (
  INSERT INTO ${schema}.events (event_id, event_type, causation_id, correlation_id, data, metadata)
  SELECT event_id, event_type, causation_id, correlation_id, data::jsonb, metadata::jsonb
  FROM input
  WHERE EXISTS (SELECT 1 FROM global)
),
linked AS (
  INSERT INTO ${schema}.stream_events
    (event_id, stream_id, stream_version, original_stream_id, original_stream_version)
  SELECT i.event_id, s.stream_id, s.new_version - c.n + i.ord, s.stream_id, s.new_version - c.n + i.ord
  FROM input i, stream s, global g, (SELECT count(*) AS n FROM input) c
  UNION ALL
  SELECT i.event_id, 0, g.new_position - c.n + i.ord, s.stream_id, s.new_version - c.n + i.ord
  FROM input i, stream s, global g, (SELECT count(*) AS n FROM input) c
)
SELECT s.new_version, g.new_position FROM stream s, global g
