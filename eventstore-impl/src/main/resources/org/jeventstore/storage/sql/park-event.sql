-- Parks an event for a subscription: fenced by the holder's epoch like save-checkpoint.sql (a holder that lost the
-- subscription parks nothing; the new holder decides). Idempotent by (subscription, event): parking an event that
-- has a row again (redelivered after a crash, or failed again in a replay) updates that row; a skipped row stays
-- as it is (a skip is final: the event counts as handled). Returns whether the epoch is still current, whether
-- the subscription still exists, and whether the event is parked now (false: it was skipped).
-- Inputs: :subscription_id, :epoch, :event_id, :event_number, :partition_key, :attempts, :error_type, :error_message,
-- :held_behind (null unless held behind a parked event).
WITH fence AS (
  UPDATE ${schema}.jes_subscription_holders SET epoch = epoch
  WHERE subscription_id = :subscription_id AND epoch = :epoch
  RETURNING subscription_id
), parked AS (
  INSERT INTO ${schema}.jes_parked AS p (subscription_id, event_id, event_number, partition_key, attempts,
                                         error_type, error_message, held_behind)
  SELECT fence.subscription_id, :event_id, :event_number, :partition_key, :attempts, :error_type, :error_message,
         :held_behind FROM fence
  ON CONFLICT (subscription_id, event_id) DO UPDATE
    SET event_number = EXCLUDED.event_number, partition_key = EXCLUDED.partition_key,
        attempts = EXCLUDED.attempts, error_type = EXCLUDED.error_type, error_message = EXCLUDED.error_message,
        held_behind = EXCLUDED.held_behind, parked_at = now(), status = 'parked'
    WHERE p.status <> 'skipped'
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM fence),
       EXISTS (SELECT 1 FROM ${schema}.subscriptions WHERE subscription_id = :subscription_id),
       EXISTS (SELECT 1 FROM parked)
