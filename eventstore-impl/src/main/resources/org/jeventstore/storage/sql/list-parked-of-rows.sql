-- The parked events of some rows of one subscription (a change of its partition count moves them to the rows of
-- the new count). Parameter: row ids (bigint[]).
SELECT subscription_id, event_id, partition_key FROM ${schema}.jes_parked WHERE subscription_id = ANY (?)
