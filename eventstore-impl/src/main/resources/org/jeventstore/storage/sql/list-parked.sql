-- A subscription's parked (and skipped) events in event order, after an event number, with the type and the
-- stream each was appended to. Inputs: :subscription_ids (a partitioned one has several), :after, :limit.
SELECT p.event_number, p.event_id, e.event_type, os.stream_uuid, se.stream_version, p.partition_key, p.attempts,
       p.error_type, p.error_message, p.held_behind, p.parked_at, p.status, p.skip_reason, p.skipped_by,
       p.skipped_at
FROM ${schema}.jes_parked p
LEFT JOIN ${schema}.events e ON e.event_id = p.event_id
LEFT JOIN ${schema}.stream_events se ON se.event_id = p.event_id AND se.stream_id = se.original_stream_id
LEFT JOIN ${schema}.streams os ON os.stream_id = se.stream_id
WHERE p.subscription_id = ANY (:subscription_ids) AND p.event_number > :after
ORDER BY p.event_number
LIMIT :limit
