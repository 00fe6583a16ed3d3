-- A shared advisory lock of the lock session (namespace, key): held by every server that runs a subscription with
-- the partition count recorded for it (SubscriptionLayout.java); a server that wants to change the count needs the
-- same lock exclusively, which it gets only while no server holds it shared.
-- Inputs: :namespace (LockKeys), :lock_key (LockKeys.of(id)).
SELECT pg_try_advisory_lock_shared(:namespace, :lock_key)
