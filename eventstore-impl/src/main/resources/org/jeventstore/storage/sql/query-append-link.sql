-- Where an append stands that this server's linker did not link itself: its $all positions (0, 0 when it has
-- none) and whether it still waits in jes_unlinked. Parameters: its first and last event ids, its jes_unlinked id.
SELECT coalesce(min(stream_version), 0), coalesce(max(stream_version), 0),
       EXISTS (SELECT 1 FROM ${schema}.jes_unlinked WHERE id = ?)
FROM ${schema}.stream_events
WHERE event_id = ANY (?::uuid[]) AND stream_id = 0
