-- The servers of this store: the sessions holding its shared presence lock (see announce-server.sql), each with
-- the subscription locks it holds (lock keys, see try-advisory-lock.sql) and where it connects from.
SELECT p.pid, coalesce(host(a.client_addr), 'local'), a.client_port, a.backend_start,
       array(SELECT l.objid::bigint FROM pg_locks l
             WHERE l.locktype = 'advisory' AND l.pid = p.pid AND l.granted AND l.objsubid = 2
               AND l.classid::bigint = (:namespace::int)::bigint & 4294967295 AND l.objid::bigint <> 4294967294
             ORDER BY 1)
FROM pg_locks p LEFT JOIN pg_stat_activity a ON a.pid = p.pid
WHERE p.locktype = 'advisory' AND p.granted AND p.objsubid = 2
  AND p.classid::bigint = (:namespace::int)::bigint & 4294967295 AND p.objid::bigint = 4294967294
ORDER BY a.backend_start, p.pid
