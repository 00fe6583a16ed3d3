-- Moves one parked event, with its status (parked, replay, skipped), attempts and what it waits behind, to the row
-- of the subscription that delivers its key now (a change of the partition count), unless that row has it already
-- (from an earlier count): then the moving copy goes. Inputs: :new_row, :old_row (row ids), :event_id.
WITH moved AS (
  UPDATE ${schema}.jes_parked p SET subscription_id = :new_row
  WHERE p.subscription_id = :old_row AND p.event_id = :event_id
    AND NOT EXISTS (SELECT 1 FROM ${schema}.jes_parked q WHERE q.subscription_id = :new_row AND q.event_id = p.event_id)
  RETURNING 1
)
DELETE FROM ${schema}.jes_parked
WHERE subscription_id = :old_row AND event_id = :event_id AND NOT EXISTS (SELECT 1 FROM moved)
