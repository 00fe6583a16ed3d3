-- A partitioned subscription's low-water mark: its own row's last_seen becomes the lowest checkpoint of its
-- partitions' rows, only forward, and only once every partition has a row (before that a missing partition has
-- delivered nothing). Inputs: :stream_uuid, :partition_names (text[]), :subscription_name, :partitions
-- (their count).
UPDATE ${schema}.subscriptions s SET last_seen = m.low
FROM (SELECT min(coalesce(last_seen, 0)) AS low, count(*) AS n FROM ${schema}.subscriptions
      WHERE stream_uuid = :stream_uuid AND subscription_name = ANY (:partition_names)) m
WHERE s.stream_uuid = :stream_uuid AND s.subscription_name = :subscription_name AND m.n = :partitions
  AND m.low > coalesce(s.last_seen, 0)
