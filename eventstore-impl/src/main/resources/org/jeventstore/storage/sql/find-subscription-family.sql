-- A subscription's row and, for a partitioned one, the rows of its partitions ('<name>#<k>/<n>'; the caller
-- checks the suffix). Inputs: :stream_uuid, :subscription_name.
SELECT subscription_id, subscription_name FROM ${schema}.subscriptions
WHERE stream_uuid = :stream_uuid
  AND (subscription_name = :subscription_name
       OR left(subscription_name, length(:subscription_name) + 1) = :subscription_name || '#')
ORDER BY subscription_id
