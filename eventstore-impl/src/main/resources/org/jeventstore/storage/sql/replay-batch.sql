-- The next parked events to replay after event number :after, in event order. Events parked behind a key under
-- replay since the replay was asked for (held back meanwhile) join it, so that the key comes free once it has been
-- replayed to its end. A pass of the replay reads on from the last event it handled (:after), so that it sees each
-- row once: a row marked for replay again meanwhile (an operator asked again) waits for the next pass.
-- Inputs: :subscription_id, :after, :limit.
WITH promoted AS (
  UPDATE ${schema}.jes_parked p SET status = 'replay'
  WHERE p.subscription_id = :subscription_id AND p.status = 'parked' AND p.partition_key IN (
    SELECT r.partition_key FROM ${schema}.jes_parked r
    WHERE r.subscription_id = :subscription_id AND r.status = 'replay')
  RETURNING p.event_id, p.event_number, p.partition_key, p.held_behind
)
SELECT * FROM (
  SELECT event_id, event_number, partition_key, held_behind FROM ${schema}.jes_parked
  WHERE subscription_id = :subscription_id AND status = 'replay'
  UNION ALL
  SELECT * FROM promoted
) r
WHERE event_number > :after
ORDER BY event_number
LIMIT :limit
