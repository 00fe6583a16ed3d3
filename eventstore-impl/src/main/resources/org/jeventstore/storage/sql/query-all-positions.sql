-- The lowest and highest $all positions of the given events (0, 0 when none has one).
SELECT coalesce(min(stream_version), 0), coalesce(max(stream_version), 0)
FROM ${schema}.stream_events
WHERE event_id = ANY (?::uuid[]) AND stream_id = 0
