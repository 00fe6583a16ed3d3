-- The oldest append waiting for $all positions (none when empty).
SELECT id FROM ${schema}.jes_unlinked ORDER BY id LIMIT 1
