-- How many committed appends wait for $all positions, and the age of the oldest in milliseconds (0 when none).
SELECT count(*), coalesce(floor(extract(epoch FROM now() - min(created_at)) * 1000), 0)::bigint
FROM ${schema}.jes_unlinked
