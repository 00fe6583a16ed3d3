-- The recorded partition count, locked for a change in this transaction. Inputs: :subscription_id (its row).
SELECT partitions FROM ${schema}.jes_subscription_layout WHERE subscription_id = :subscription_id FOR UPDATE
