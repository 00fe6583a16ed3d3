-- The linker's pass, in one transaction, two statements sent together. First the $all row lock (stream 0), the
-- same lock Elixir writers take, so $all positions are handed out by one transaction at a time, each starting
-- where the last committed one ended: $all grows gapless and readers never see position N+1 before N.
SELECT stream_version FROM ${schema}.streams WHERE stream_id = 0 FOR NO KEY UPDATE;
-- Then, with a snapshot taken after the lock was granted: the oldest committed appends (up to parameter 1) leave
-- jes_unlinked; their events get the next $all positions in append order (jes_unlinked id, then version); the
-- $all row takes the new head (its trigger announces the $all range); each stream covered is announced on
-- channel parameter 2 ('<schema>.events') with the range it got. Events of a stream hard-deleted meanwhile are
-- simply not found. Returns one row per append linked: its id and its first and last $all positions.
WITH batch AS (
  DELETE FROM ${schema}.jes_unlinked
  WHERE id IN (SELECT id FROM ${schema}.jes_unlinked ORDER BY id LIMIT ?)
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
SELECT n.id, min(n.position), max(n.position), (SELECT count(*) FROM announced)
FROM numbered n
GROUP BY n.id
