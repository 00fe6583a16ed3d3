-- Inputs: :namespace, :lock_key (as try-advisory-lock.sql).
SELECT pg_advisory_unlock(:namespace, :lock_key)
