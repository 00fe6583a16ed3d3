-- The linker's pass, in one transaction, two statements sent together. First the $all row lock (stream 0), the
-- same lock Elixir writers take, so $all positions are handed out by one transaction at a time, each starting
-- where the last committed one ended: $all grows gapless and readers never see position N+1 before N.
SELECT stream_version FROM ${schema}.streams WHERE stream_id = 0 FOR NO KEY UPDATE;
-- Then, with a snapshot taken after the lock was granted: the oldest committed appends leave jes_unlinked, at
-- most parameter 1 of them and only while the events before each stay under parameter 2 (the first always goes:
-- a pass's size is bounded by events, not only by appends, so that it fits a statement timeout); their events
-- get the next $all positions in append order (jes_unlinked id, then version); the $all row takes the new head
-- (its trigger announces the $all range); each stream covered is announced on channel parameter 3
-- ('<schema>.events') with the range it got. Events of a stream hard-deleted meanwhile are simply not found.
-- Returns one row per append taken: its id, its first and last $all positions (0 when its events were gone)
-- and its number of events.
WITH oldest AS (
  SELECT id, sum(last_version - first_version + 1) OVER (ORDER BY id) - (last_version - first_version + 1) AS before
  FROM ${schema}.jes_unlinked
  ORDER BY id
  LIMIT ?
),
batch AS (
  DELETE FROM ${schema}.jes_unlinked
  WHERE id IN (SELECT id FROM oldest WHERE before < ?)
  RETURNING id, stream_id, first_version, last_version
),
head AS (
  SELECT stream_version AS position FROM ${schema}.streams WHERE stream_id = 0
),
numbered AS (
  SELECT b.id, se.event_id, se.stream_id, se.stream_version,
         h.position + row_number() OVER (ORDER BY b.id, se.stream_version) AS position
  FROM batch b
  JOIN ${schema}.stream_events se
    ON se.stream_id = b.stream_id AND se.stream_version BETWEEN b.first_version AND b.last_version
  CROSS JOIN head h
),
linked AS (
  INSERT INTO ${schema}.stream_events
    (event_id, stream_id, stream_version, original_stream_id, original_stream_version)
  SELECT event_id, 0, position, stream_id, stream_version FROM numbered
),
bumped AS (
  UPDATE ${schema}.streams SET stream_version = (SELECT max(position) FROM numbered)
  WHERE stream_id = 0 AND EXISTS (SELECT 1 FROM numbered)
),
announced AS (
  SELECT pg_notify(?, s.stream_uuid || ',' || s.stream_id || ',' || min(b.first_version) || ','
                      || max(b.last_version))
  FROM batch b JOIN ${schema}.streams s ON s.stream_id = b.stream_id
  GROUP BY s.stream_id, s.stream_uuid
)
SELECT b.id, coalesce(min(n.position), 0), coalesce(max(n.position), 0), b.last_version - b.first_version + 1,
       (SELECT count(*) FROM announced)
FROM batch b LEFT JOIN numbered n ON n.id = b.id
GROUP BY b.id, b.first_version, b.last_version
ORDER BY b.id
