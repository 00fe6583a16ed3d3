-- Inputs: :namespace, :lock_key (as try-advisory-lock-shared.sql).
SELECT pg_advisory_unlock_shared(:namespace, :lock_key)
