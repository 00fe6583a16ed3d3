-- How many lock sessions (servers) of this store are up (see announce-server.sql).
-- Inputs: :namespace (as in announce-server.sql).
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND classid::bigint = (:namespace::int)::bigint & 4294967295
  AND objid::bigint = 4294967294 AND objsubid = 2 AND granted
