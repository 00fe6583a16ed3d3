-- The parked events of some rows of one subscription (a change of its partition count moves them to the rows of
-- the new count). Inputs: :subscription_ids (the rows', bigint[]).
SELECT subscription_id, event_id, partition_key FROM ${schema}.jes_parked
WHERE subscription_id = ANY (:subscription_ids)
