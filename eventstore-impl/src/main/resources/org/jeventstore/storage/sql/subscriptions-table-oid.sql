-- The advisory-lock namespace of this store: the oid of its subscriptions table (as Elixir's EventStore does).
SELECT to_regclass(?)::oid::bigint
