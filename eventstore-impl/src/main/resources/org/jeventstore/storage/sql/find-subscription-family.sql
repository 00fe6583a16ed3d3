-- A subscription's row and, for a partitioned one, the rows of its partitions ('<name>#<k>/<n>'; the caller
-- checks the suffix). Parameters: stream id, name, name, name.
SELECT subscription_id, subscription_name FROM ${schema}.subscriptions
WHERE stream_uuid = ? AND (subscription_name = ? OR left(subscription_name, length(?) + 1) = ? || '#')
ORDER BY subscription_id
