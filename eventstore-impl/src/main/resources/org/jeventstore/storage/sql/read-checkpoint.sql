SELECT coalesce(last_seen, 0) FROM ${schema}.subscriptions WHERE subscription_id = :subscription_id
