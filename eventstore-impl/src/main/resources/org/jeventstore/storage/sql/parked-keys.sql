-- What a holder needs to know about its parked events: per partition key (one row with a null key for events
-- parked without one), the first parked event, and how many rows an operator asked to replay.
-- Inputs: :subscription_id.
SELECT partition_key, min(event_number), count(*) FILTER (WHERE status = 'replay')
FROM ${schema}.jes_parked
WHERE subscription_id = :subscription_id AND status IN ('parked', 'replay')
GROUP BY partition_key
