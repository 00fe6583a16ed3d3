-- Whether a subscription's row still exists (a standby server asks, to stop a deleted one). Parameter: its id.
SELECT EXISTS (SELECT 1 FROM ${schema}.subscriptions WHERE subscription_id = ?)
