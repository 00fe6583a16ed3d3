-- A page of a stream's events by its internal id (a lazy read that has found the stream already), from a
-- version upward. Inputs: :stream_id, :from, :count. The id stays in a subquery, planned as for a stream found by
-- name (read-stream-forward.sql); only $all's reads give the planner the id's value (read-all-forward.sql).
SELECT se.stream_version AS event_number, e.event_id, s.stream_uuid, se.original_stream_version,
       e.event_type, e.causation_id, e.correlation_id, e.data, e.metadata, e.created_at
FROM ${schema}.stream_events se
JOIN ${schema}.streams s ON s.stream_id = se.original_stream_id
JOIN ${schema}.events e ON e.event_id = se.event_id
WHERE se.stream_id = (SELECT :stream_id::bigint) AND se.stream_version >= :from
ORDER BY se.stream_version ASC
LIMIT :count
