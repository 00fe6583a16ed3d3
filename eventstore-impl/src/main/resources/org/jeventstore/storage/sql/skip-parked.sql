-- An operator gives a parked event up: the row stays, with the reason, who and when; it no longer holds its key
-- back. Parameters: reason, user, subscription ids, event id.
UPDATE ${schema}.jes_parked SET status = 'skipped', skip_reason = ?, skipped_by = ?, skipped_at = now()
WHERE subscription_id = ANY (?) AND event_id = ? AND status IN ('parked', 'replay')
