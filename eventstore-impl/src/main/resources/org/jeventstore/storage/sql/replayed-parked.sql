-- A replayed event was handled (or is no longer stored): it is no longer parked. Fenced by the holder's epoch like
-- save-checkpoint.sql: a holder that lost the subscription while it replayed removes nothing (the new holder
-- replays the event itself; a handler that lost its holding may have had its writes refused). A row skipped
-- meanwhile stays. Inputs: :subscription_id, :epoch, :event_id.
WITH fence AS (
  UPDATE ${schema}.jes_subscription_holders SET epoch = epoch
  WHERE subscription_id = :subscription_id AND epoch = :epoch
  RETURNING subscription_id
)
DELETE FROM ${schema}.jes_parked p USING fence
WHERE p.subscription_id = fence.subscription_id AND p.subscription_id = :subscription_id AND p.event_id = :event_id
  AND p.status = 'replay'
