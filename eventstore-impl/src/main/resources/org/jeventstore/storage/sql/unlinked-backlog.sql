-- How many committed appends wait for $all positions, the age of the oldest in milliseconds (0 when none), and
-- how many were set aside because they could not be linked.
SELECT count(*), coalesce(floor(extract(epoch FROM now() - min(created_at)) * 1000), 0)::bigint,
       (SELECT count(*) FROM ${schema}.jes_set_aside)
FROM ${schema}.jes_unlinked
