-- Takes one append out of jes_unlinked into jes_set_aside with the error that kept it from being linked, and
-- returns its stream id and range with the ids of (at most 20 of) its events, to log. Inputs: :append_id,
-- :error (its text).
WITH moved AS (
  DELETE FROM ${schema}.jes_unlinked WHERE id = :append_id
  RETURNING id, stream_id, first_version, last_version, created_at
),
kept AS (
  INSERT INTO ${schema}.jes_set_aside (id, stream_id, first_version, last_version, created_at, error)
  SELECT id, stream_id, first_version, last_version, created_at, :error FROM moved
)
SELECT m.id, s.stream_uuid, m.first_version, m.last_version,
       array(SELECT se.event_id FROM ${schema}.stream_events se
             WHERE se.stream_id = m.stream_id AND se.stream_version BETWEEN m.first_version AND m.last_version
             ORDER BY se.stream_version LIMIT 20)
FROM moved m LEFT JOIN ${schema}.streams s ON s.stream_id = m.stream_id
