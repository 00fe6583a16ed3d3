-- Every server's lock session holds this shared lock while it is up: the holders are the servers present.
-- Inputs: :namespace (the oid of the store's subscriptions table).
SELECT pg_advisory_lock_shared(:namespace, -2)
