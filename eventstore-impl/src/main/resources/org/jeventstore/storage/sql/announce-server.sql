-- Every server's lock session holds this shared lock while it is up: the holders are the servers present.
SELECT pg_advisory_lock_shared(?, -2)
