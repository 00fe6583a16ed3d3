-- Sets a subscription's checkpoint to any position, back or forward (save-checkpoint.sql only moves it forward).
-- Run only while the same transaction holds the subscription's lock (lock-subscription-for-reset.sql).
UPDATE ${schema}.subscriptions SET last_seen = :checkpoint WHERE subscription_id = :subscription_id
