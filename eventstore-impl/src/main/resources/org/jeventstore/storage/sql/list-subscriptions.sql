-- Every persistent subscription of the store: its checkpoint, the head of its stream, when the first event it
-- has not acknowledged was appended (its lag in time), and how many of its events are parked (not skipped). Who
-- holds its lock is list-lock-holders.sql's.
SELECT s.subscription_id, s.stream_uuid, s.subscription_name, coalesce(s.last_seen, 0), coalesce(st.stream_version, 0),
       (SELECT e.created_at FROM ${schema}.stream_events se JOIN ${schema}.events e ON e.event_id = se.event_id
        WHERE se.stream_id = st.stream_id AND se.stream_version > coalesce(s.last_seen, 0)
        ORDER BY se.stream_version LIMIT 1),
       (SELECT count(*) FROM ${schema}.jes_parked p WHERE p.subscription_id = s.subscription_id
          AND p.status <> 'skipped')
FROM ${schema}.subscriptions s LEFT JOIN ${schema}.streams st ON st.stream_uuid = s.stream_uuid
ORDER BY s.stream_uuid, s.subscription_name
