-- The lowest checkpoint of the given rows of one stream (every event at or below it was handled by each of them).
-- Inputs: :stream_uuid, :row_names (text[]).
SELECT min(coalesce(last_seen, 0)) FROM ${schema}.subscriptions
WHERE stream_uuid = :stream_uuid AND subscription_name = ANY (:row_names)
