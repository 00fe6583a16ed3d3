UPDATE ${schema}.jes_subscription_layout SET partitions = :partitions, changed_at = now()
WHERE subscription_id = :subscription_id
