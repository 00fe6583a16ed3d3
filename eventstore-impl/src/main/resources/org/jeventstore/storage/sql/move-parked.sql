-- Moves one parked event, with its status (parked, replay, skipped), attempts and what it waits behind, to the row
-- of the subscription that delivers its key now (a change of the partition count), unless that row has it already
-- (from an earlier count): then the moving copy goes. Parameters: new row, old row, event id, new row, old row,
-- event id.
WITH moved AS (
  UPDATE ${schema}.jes_parked p SET subscription_id = ?
  WHERE p.subscription_id = ? AND p.event_id = ?
    AND NOT EXISTS (SELECT 1 FROM ${schema}.jes_parked q WHERE q.subscription_id = ? AND q.event_id = p.event_id)
  RETURNING 1
)
DELETE FROM ${schema}.jes_parked
WHERE subscription_id = ? AND event_id = ? AND NOT EXISTS (SELECT 1 FROM moved)
