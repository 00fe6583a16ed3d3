-- Elixir EventStore's schema migration lock: key -1 in the store's advisory-lock namespace (the oid of its
-- subscriptions table, as an int; input :namespace). Transaction-level: it waits while `mix event_store.migrate` (or
-- another server's migrate) holds it, and is released at commit.
SELECT pg_advisory_xact_lock(:namespace, -1)
