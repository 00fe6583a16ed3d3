-- The linker's pass, in one transaction, three statements sent together. The pass holds the $all row, which every
-- linker and inline append of the cluster needs: should its client go silent before it commits (a network
-- partition leaves the connection open), PostgreSQL ends the session after 15 s idle in the transaction instead
-- of keeping the row locked until TCP notices (hours), and the pass is simply rolled back.
SET LOCAL idle_in_transaction_session_timeout = '15s';
-- Then the $all row lock (stream 0), the same lock Elixir writers take, so $all positions are handed out by one
-- transaction at a time, each starting where the last committed one ended: $all grows gapless and readers never
-- see position N+1 before N.
SELECT stream_version FROM ${schema}.streams WHERE stream_id = 0 FOR NO KEY UPDATE;
-- Then, with a snapshot taken after the lock was granted: appends of a stream with an append set aside
-- (jes_set_aside) are held behind it: moved there too (held_behind = the set-aside append's id), never linked, so
-- that the stream keeps its order in $all once an operator moves them back. The oldest other committed appends
-- leave jes_unlinked, at most :max_appends of them and only while the events before each stay under :max_events
-- (the first always goes: a pass's size is bounded by events, not only by appends, so that it fits a statement
-- timeout); their events get the next $all positions in append order (jes_unlinked id, then version); the $all
-- row takes the new head (its trigger announces the $all range); each stream covered is announced on channel
-- :channel ('<schema>.events') with the range it got. Events of a stream hard-deleted meanwhile are simply not
-- found.
-- Returns one row per append taken: its id, its first and last $all positions (0 when its events were gone),
-- its number of events, and 0; then one per append held: its id, 0, 0, its number of events and the id of the
-- set-aside append it waits behind.
WITH aside AS (
  SELECT stream_id, min(id) AS first FROM ${schema}.jes_set_aside GROUP BY stream_id
),
held AS (
  DELETE FROM ${schema}.jes_unlinked u
  USING aside a
  WHERE a.stream_id = u.stream_id AND a.first < u.id
  RETURNING u.id, u.stream_id, u.first_version, u.last_version, u.created_at, a.first
),
kept_held AS (
  INSERT INTO ${schema}.jes_set_aside (id, stream_id, first_version, last_version, created_at, error, held_behind)
  SELECT id, stream_id, first_version, last_version, created_at,
         'held behind the set-aside append ' || first || ' of its stream', first
  FROM held
),
oldest AS (
  SELECT id, sum(last_version - first_version + 1) OVER (ORDER BY id) - (last_version - first_version + 1) AS before
  FROM ${schema}.jes_unlinked u
  WHERE NOT EXISTS (SELECT 1 FROM aside a WHERE a.stream_id = u.stream_id AND a.first < u.id)
  ORDER BY id
  LIMIT :max_appends
),
batch AS (
  DELETE FROM ${schema}.jes_unlinked
  WHERE id IN (SELECT id FROM oldest WHERE before < :max_events)
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
  SELECT pg_notify(:channel, s.stream_uuid || ',' || s.stream_id || ',' || min(b.first_version) || ','
                      || max(b.last_version))
  FROM batch b JOIN ${schema}.streams s ON s.stream_id = b.stream_id
  GROUP BY s.stream_id, s.stream_uuid
)
SELECT * FROM (
  SELECT b.id, coalesce(min(n.position), 0), coalesce(max(n.position), 0), b.last_version - b.first_version + 1,
         0::bigint AS held_behind, (SELECT count(*) FROM announced) AS announced
  FROM batch b LEFT JOIN numbered n ON n.id = b.id
  GROUP BY b.id, b.first_version, b.last_version
  UNION ALL
  SELECT h.id, 0, 0, h.last_version - h.first_version + 1, h.first, 0 FROM held h
) r
ORDER BY 1
