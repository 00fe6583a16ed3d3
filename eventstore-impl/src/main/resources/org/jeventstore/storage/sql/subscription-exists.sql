-- Whether a subscription's row still exists (a standby server asks, to stop a deleted one).
-- Inputs: :subscription_id.
SELECT EXISTS (SELECT 1 FROM ${schema}.subscriptions WHERE subscription_id = :subscription_id)
