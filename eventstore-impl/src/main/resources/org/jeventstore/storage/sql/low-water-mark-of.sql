-- The lowest checkpoint of the given rows of one stream (every event at or below it was handled by each of them).
-- Parameters: stream id, row names (text[]).
SELECT min(coalesce(last_seen, 0)) FROM ${schema}.subscriptions WHERE stream_uuid = ? AND subscription_name = ANY (?)
