-- The partition count recorded for a subscription (none before its first server runs it). Inputs:
-- :subscription_id (the subscription's own row).
SELECT partitions FROM ${schema}.jes_subscription_layout WHERE subscription_id = :subscription_id
