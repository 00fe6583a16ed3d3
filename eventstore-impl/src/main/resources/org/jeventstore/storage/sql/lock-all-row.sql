-- The $all row lock (stream 0), held to the end of the transaction: what linker passes and Elixir writers take.
-- Setting an append aside takes it first, so that no pass running at the same time links a later append of the
-- same stream without seeing the set-aside row.
SELECT stream_version FROM ${schema}.streams WHERE stream_id = 0 FOR NO KEY UPDATE
