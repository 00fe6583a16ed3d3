-- An advisory-lock namespace of this store: the oid of one of its tables, the subscriptions table's (as Elixir's
-- EventStore) or the partition counts'. Inputs: :table_name (schema-qualified, quoted).
SELECT to_regclass(:table_name)::oid::bigint
