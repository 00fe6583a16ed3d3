-- A page of a stream's events, found by its name, from a version upward. Inputs: :stream_uuid, :from, :count.
-- No row: the page is empty, or the stream is missing or soft deleted (the reader asks which).
WITH target AS (
  SELECT stream_id, deleted_at FROM ${schema}.streams WHERE stream_uuid = :stream_uuid
)
SELECT se.stream_version AS event_number, e.event_id, s.stream_uuid, se.original_stream_version,
       e.event_type, e.causation_id, e.correlation_id, e.data, e.metadata, e.created_at
FROM ${schema}.stream_events se
JOIN ${schema}.streams s ON s.stream_id = se.original_stream_id
JOIN ${schema}.events e ON e.event_id = se.event_id
WHERE se.stream_id = (SELECT stream_id FROM target) AND se.stream_version >= :from
  AND (SELECT deleted_at FROM target) IS NULL
ORDER BY se.stream_version ASC
LIMIT :count
