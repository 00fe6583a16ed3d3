-- The subscription's lock (key as in try-advisory-lock.sql), held to the end of this transaction: true only when
-- no server runs the subscription, and none can start it before the transaction ends.
SELECT pg_try_advisory_xact_lock(:namespace, :lock_key)
