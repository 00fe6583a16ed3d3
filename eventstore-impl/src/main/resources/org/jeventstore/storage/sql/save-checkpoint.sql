-- Checkpoints only move forward: a server that lost the lock can never move a newer holder's checkpoint back.
UPDATE ${schema}.subscriptions SET last_seen = ?
WHERE subscription_id = ? AND (last_seen IS NULL OR last_seen < ?)
