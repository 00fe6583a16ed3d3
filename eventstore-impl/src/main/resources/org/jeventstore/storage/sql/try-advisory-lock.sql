-- Inputs: :namespace (an oid of the store's tables, LockKeys), :lock_key (LockKeys.of(id)).
SELECT pg_try_advisory_lock(:namespace, :lock_key)
