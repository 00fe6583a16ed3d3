SELECT subscription_id FROM ${schema}.subscriptions WHERE stream_uuid = ? AND subscription_name = ?
