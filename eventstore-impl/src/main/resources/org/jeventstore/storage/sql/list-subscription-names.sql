-- The names of a stream's subscriptions that begin with a prefix (a partitioned subscription's partition rows
-- are '<name>#<k>/<n>'). Inputs: :stream_uuid, :prefix.
SELECT subscription_name FROM ${schema}.subscriptions
WHERE stream_uuid = :stream_uuid AND left(subscription_name, length(:prefix)) = :prefix
