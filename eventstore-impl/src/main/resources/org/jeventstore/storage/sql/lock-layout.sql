-- The recorded partition count, locked for a change in this transaction. Parameter: the subscription's row id.
SELECT partitions FROM ${schema}.jes_subscription_layout WHERE subscription_id = ? FOR UPDATE
