-- Creates the subscription's row if it has none. The start position is written only now: afterwards the
-- checkpoint wins. Inputs: :stream_uuid, :subscription_name, :from_current (start at the stream's current
-- version) and :start_position (otherwise).
INSERT INTO ${schema}.subscriptions (stream_uuid, subscription_name, last_seen)
SELECT :stream_uuid, :subscription_name,
       CASE WHEN :from_current
            THEN coalesce((SELECT stream_version FROM ${schema}.streams WHERE stream_uuid = :stream_uuid), 0)
            ELSE :start_position END
ON CONFLICT (stream_uuid, subscription_name) DO NOTHING
