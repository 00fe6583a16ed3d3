-- Deletes the subscription's row, its fencing epoch, its recorded partition count and its parked events. Servers still running it find it gone
-- (when they save a checkpoint, verify their holding, or retry its lock) and stop it.
-- Inputs: :stream_uuid, :subscription_name.
WITH deleted AS (
  DELETE FROM ${schema}.subscriptions WHERE stream_uuid = :stream_uuid AND subscription_name = :subscription_name
  RETURNING subscription_id
), unfenced AS (
  DELETE FROM ${schema}.jes_subscription_holders h USING deleted WHERE h.subscription_id = deleted.subscription_id
), unrecorded AS (
  DELETE FROM ${schema}.jes_subscription_layout l USING deleted WHERE l.subscription_id = deleted.subscription_id
)
DELETE FROM ${schema}.jes_parked p USING deleted WHERE p.subscription_id = deleted.subscription_id
