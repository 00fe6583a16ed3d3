-- Who holds which subscription lock of the store now: each granted advisory lock in its namespace (:namespace, the
-- subscriptions table's oid) with the session holding it. LockKeys maps subscriptions to keys.
SELECT l.objid::bigint, l.pid FROM pg_locks l
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.classid::bigint = (:namespace::int)::bigint & 4294967295
