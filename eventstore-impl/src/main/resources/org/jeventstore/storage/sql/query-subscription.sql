SELECT subscription_id, coalesce(last_seen, 0)
FROM ${schema}.subscriptions
WHERE stream_uuid = :stream_uuid AND subscription_name = :subscription_name
