UPDATE ${schema}.jes_subscription_layout SET partitions = ?, changed_at = now() WHERE subscription_id = ?
