-- A page of $all from a position downward. Inputs: :all_stream_id (always 0), :from, :count. As
-- read-all-forward.sql.
SELECT se.stream_version AS event_number, e.event_id, s.stream_uuid, se.original_stream_version,
       e.event_type, e.causation_id, e.correlation_id, e.data, e.metadata, e.created_at
FROM ${schema}.stream_events se
JOIN ${schema}.streams s ON s.stream_id = se.original_stream_id
JOIN ${schema}.events e ON e.event_id = se.event_id
WHERE se.stream_id = :all_stream_id::bigint AND se.stream_version <= :from
ORDER BY se.stream_version DESC
LIMIT :count
