-- The oldest append waiting for $all positions that a pass would take (none when empty): appends held behind a
-- set-aside append of their stream are not taken (link-pending.sql).
SELECT u.id FROM ${schema}.jes_unlinked u
WHERE NOT EXISTS (SELECT 1 FROM ${schema}.jes_set_aside a WHERE a.stream_id = u.stream_id AND a.id < u.id)
ORDER BY u.id LIMIT 1
