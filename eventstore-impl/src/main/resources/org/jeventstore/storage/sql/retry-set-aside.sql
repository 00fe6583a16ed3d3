-- Moves set-aside appends back into jes_unlinked with their ids, so that the linker tries them again in their
-- order: every row of each stream that has a row matching the filter (a stream's held appends go back with the
-- append they wait behind, never before it). Inputs: :set_aside_id (0 for all). Returns each moved
-- append's id.
WITH chosen AS (
  SELECT DISTINCT stream_id FROM ${schema}.jes_set_aside WHERE :set_aside_id IN (0, id)
),
moved AS (
  DELETE FROM ${schema}.jes_set_aside a USING chosen c
  WHERE a.stream_id = c.stream_id
  RETURNING a.id, a.stream_id, a.first_version, a.last_version, a.created_at
)
INSERT INTO ${schema}.jes_unlinked (id, stream_id, first_version, last_version, created_at)
SELECT id, stream_id, first_version, last_version, created_at FROM moved
RETURNING id
