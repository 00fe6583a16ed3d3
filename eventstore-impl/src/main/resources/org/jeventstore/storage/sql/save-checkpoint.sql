-- Saves a holder's checkpoint, fenced by its epoch. The holders row is locked first (as take-over-subscription.sql
-- does), and its epoch is checked on that row itself, so a save racing a take-over either commits before it or is
-- refused (an epoch checked in a subquery would not do: under READ COMMITTED a waiting UPDATE re-checks only its
-- own row). Checkpoints only move forward. Returns whether the epoch is still current and whether the
-- subscription still exists. Inputs: :subscription_id, :epoch, :checkpoint.
WITH fence AS (
  UPDATE ${schema}.jes_subscription_holders SET epoch = epoch
  WHERE subscription_id = :subscription_id AND epoch = :epoch
  RETURNING subscription_id
), saved AS (
  UPDATE ${schema}.subscriptions s SET last_seen = :checkpoint
  FROM fence
  WHERE s.subscription_id = fence.subscription_id AND (s.last_seen IS NULL OR s.last_seen < :checkpoint)
  RETURNING s.subscription_id
)
SELECT EXISTS (SELECT 1 FROM fence),
       EXISTS (SELECT 1 FROM ${schema}.subscriptions WHERE subscription_id = :subscription_id)
