-- Removes a stream (by internal id), its events (also from $all and from streams that link them), the links it
-- holds to other streams' events and its appends still waiting for $all positions. Foreign keys are checked at
-- the end of the statement, when all is gone. Inputs: :stream_id.
WITH removed_rows AS (
  DELETE FROM ${schema}.stream_events
  WHERE stream_id = :stream_id OR original_stream_id = :stream_id
  RETURNING event_id, original_stream_id
),
removed_events AS (
  DELETE FROM ${schema}.events
  WHERE event_id IN (SELECT event_id FROM removed_rows WHERE original_stream_id = :stream_id)
  RETURNING event_id
),
removed_pending AS (
  DELETE FROM ${schema}.jes_unlinked WHERE stream_id = :stream_id
),
removed_stream AS (
  DELETE FROM ${schema}.streams WHERE stream_id = :stream_id RETURNING stream_id
)
SELECT (SELECT count(*) FROM removed_events) AS events, (SELECT count(*) FROM removed_stream) AS streams
