-- A replayed event was handled (or is no longer stored): it is no longer parked. A row skipped meanwhile stays.
-- Parameters: subscription id, event id.
DELETE FROM ${schema}.jes_parked WHERE subscription_id = ? AND event_id = ? AND status = 'replay'
