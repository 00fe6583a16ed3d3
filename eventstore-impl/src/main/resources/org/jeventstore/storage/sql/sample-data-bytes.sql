-- The first byte of one stored event's and one snapshot's data, in a bytea store: 131 starts Erlang's external
-- term format (Elixir's default TermSerializer), which is not JSON. NULL when the table is empty.
SELECT (SELECT get_byte(data, 0) FROM ${schema}.events WHERE length(data) > 0 LIMIT 1),
       (SELECT get_byte(data, 0) FROM ${schema}.snapshots WHERE length(data) > 0 LIMIT 1)
