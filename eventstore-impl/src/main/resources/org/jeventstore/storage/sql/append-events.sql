-- Appends n >= 1 events in one statement. Takes the stream's row (the "stream" CTE, which also checks the
-- expected version), inserts the events and their stream rows, and then gives them $all positions in one of two
-- ways:
-- * inline, as Elixir does: when the $all row (stream 0) is free, take it (held until commit, which keeps $all
--   gapless and commit-ordered), bump it and insert the $all rows. Only when no committed append waits for its
--   $all positions at all (jes_unlinked is empty in this statement's snapshot) and none of this stream committed
--   after the snapshot (the stream's version is still the one the snapshot saw), and none of this stream is set
--   aside (jes_set_aside). The first part keeps cause before effect: whoever appends after reading a committed,
--   not yet linked event (of any stream) is linked after it; the other two keep each stream's own order.
-- * deferred: otherwise, record the append in jes_unlinked and leave $all alone; the linker gives the positions
--   after this commits (link-pending.sql), and announces the stream then (defer_notify silences the streams
--   trigger for this statement's rows).
-- Uncontended appends thus stay one statement with their positions known; concurrent ones commit independently
-- instead of queueing on the $all row across each other's commits. If the stream CTE returns no row, nothing at
-- all is written.
-- Parameters 1-6: event ids, types, causation ids, correlation ids, data (JSON text), metadata (JSON text, or
-- NULL where the column type stores no metadata as NULL; the json markers store it as the column type wants, see
-- DataFormat.java);
-- then the stream fragment's; then the stream id again.
WITH input AS (
  SELECT * FROM unnest(?::uuid[], ?::text[], ?::uuid[], ?::uuid[], ?::text[], ?::text[]) WITH ORDINALITY
    AS i(event_id, event_type, causation_id, correlation_id, data, metadata, ord)
),
stream AS (
/*STREAM*/
),
counted AS (
  SELECT count(*) AS n FROM input
),
seen AS (
  SELECT coalesce((SELECT stream_version FROM ${schema}.streams WHERE stream_uuid = ?), 0) AS version
),
head AS (
  SELECT stream_version FROM ${schema}.streams
  WHERE stream_id = 0
    AND EXISTS (SELECT 1 FROM stream s, seen v, counted c WHERE s.new_version - c.n = v.version)
    AND NOT EXISTS (SELECT 1 FROM ${schema}.jes_unlinked)
    AND NOT EXISTS (SELECT 1 FROM ${schema}.jes_set_aside a, stream s WHERE a.stream_id = s.stream_id)
  FOR NO KEY UPDATE SKIP LOCKED
),
global AS (
  UPDATE ${schema}.streams SET stream_version = stream_version + (SELECT n FROM counted)
  WHERE stream_id = 0 AND EXISTS (SELECT 1 FROM head)
  RETURNING stream_version AS new_position
),
inserted AS (
  INSERT INTO ${schema}.events (event_id, event_type, causation_id, correlation_id, data, metadata)
  SELECT event_id, event_type, causation_id, correlation_id, ${json:data}, ${json:metadata}
  FROM input
  WHERE EXISTS (SELECT 1 FROM stream)
),
linked AS (
  INSERT INTO ${schema}.stream_events
    (event_id, stream_id, stream_version, original_stream_id, original_stream_version)
  SELECT i.event_id, s.stream_id, s.new_version - c.n + i.ord, s.stream_id, s.new_version - c.n + i.ord
  FROM input i, stream s, counted c
  UNION ALL
  SELECT i.event_id, 0, g.new_position - c.n + i.ord, s.stream_id, s.new_version - c.n + i.ord
  FROM input i, stream s, global g, counted c
),
pending AS (
  INSERT INTO ${schema}.jes_unlinked (stream_id, first_version, last_version)
  SELECT s.stream_id, s.new_version - c.n + 1, s.new_version
  FROM stream s, counted c
  WHERE NOT EXISTS (SELECT 1 FROM global)
  RETURNING id
)
SELECT s.new_version, coalesce((SELECT id FROM pending), 0), coalesce((SELECT new_position FROM global), 0),
       set_config('jeventstore.defer_notify',
                  CASE WHEN EXISTS (SELECT 1 FROM global) THEN 'off' ELSE 'on' END, true)
FROM stream s
