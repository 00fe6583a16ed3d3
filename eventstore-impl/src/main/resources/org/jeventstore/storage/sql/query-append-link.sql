-- Where an append stands that this server's linker did not link itself: its $all positions (0, 0 when it has
-- none), whether it still waits in jes_unlinked, and, when it is in jes_set_aside, the append it is held behind
-- (0 when it was set aside itself; NULL when it is not there) with the error.
-- Inputs: :append_id (its jes_unlinked id), :event_ids (its first and last).
SELECT coalesce(min(stream_version), 0), coalesce(max(stream_version), 0),
       EXISTS (SELECT 1 FROM ${schema}.jes_unlinked WHERE id = :append_id),
       (SELECT coalesce(held_behind, 0) FROM ${schema}.jes_set_aside WHERE id = :append_id),
       (SELECT error FROM ${schema}.jes_set_aside WHERE id = :append_id)
FROM ${schema}.stream_events
WHERE event_id = ANY (:event_ids::uuid[]) AND stream_id = 0
