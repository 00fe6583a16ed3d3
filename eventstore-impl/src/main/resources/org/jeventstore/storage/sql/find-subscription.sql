SELECT subscription_id FROM ${schema}.subscriptions
WHERE stream_uuid = :stream_uuid AND subscription_name = :subscription_name
