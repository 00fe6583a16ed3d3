-- Creates the subscription's row if it has none. The start position is written only now: afterwards the
-- checkpoint wins. Parameters: stream id, name, start ('current' is resolved from the stream's version), and
-- whether to start at the current version.
INSERT INTO ${schema}.subscriptions (stream_uuid, subscription_name, last_seen)
SELECT ?, ?, CASE WHEN ? THEN coalesce((SELECT stream_version FROM ${schema}.streams WHERE stream_uuid = ?), 0)
                  ELSE ? END
ON CONFLICT (stream_uuid, subscription_name) DO NOTHING
