-- An operator gives a parked event up: the row stays, with the reason, who and when; it no longer holds its key
-- back. Inputs: :reason, :skipped_by (the user), :subscription_ids, :event_id.
UPDATE ${schema}.jes_parked SET status = 'skipped', skip_reason = :reason, skipped_by = :skipped_by, skipped_at = now()
WHERE subscription_id = ANY (:subscription_ids) AND event_id = :event_id AND status IN ('parked', 'replay')
