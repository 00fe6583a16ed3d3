-- The partition count recorded for a subscription (none before its first server runs it). Parameter: the
-- subscription's own row id.
SELECT partitions FROM ${schema}.jes_subscription_layout WHERE subscription_id = ?
