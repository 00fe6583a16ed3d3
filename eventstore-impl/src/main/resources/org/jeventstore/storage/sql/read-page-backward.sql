-- A page of a stream's events from a version downward (parameters after the target's: [0 for $all,] from, count); as
-- read-page-forward.sql.
WITH target AS (
/*TARGET*/
)
SELECT se.stream_version AS event_number, e.event_id, s.stream_uuid, se.original_stream_version,
       e.event_type, e.causation_id, e.correlation_id, e.data, e.metadata, e.created_at
FROM ${schema}.stream_events se
JOIN ${schema}.streams s ON s.stream_id = se.original_stream_id
JOIN ${schema}.events e ON e.event_id = se.event_id
WHERE se.stream_id = /*STREAM_ID*/ AND se.stream_version <= ?
  AND (SELECT deleted_at FROM target) IS NULL
ORDER BY se.stream_version DESC
LIMIT ?
