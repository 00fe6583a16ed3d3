-- A new holding starts at the checkpoint: parked rows above it are in doubt (their holder may have stopped before
-- the checkpoint passed them) and their events are delivered again, so they go; a skip stays (an operator's word).
-- Run in the take-over transaction, under the holders row lock. Inputs: :subscription_id, :checkpoint.
DELETE FROM ${schema}.jes_parked
WHERE subscription_id = :subscription_id AND event_number > :checkpoint AND status <> 'skipped'
