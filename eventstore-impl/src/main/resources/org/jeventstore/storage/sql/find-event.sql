-- Where an event was appended: its original stream and version (links and $all rows are other rows).
SELECT s.stream_uuid, se.stream_version
FROM ${schema}.stream_events se JOIN ${schema}.streams s ON s.stream_id = se.stream_id
WHERE se.event_id = :event_id AND se.stream_id <> 0 AND se.stream_id = se.original_stream_id
LIMIT 1
