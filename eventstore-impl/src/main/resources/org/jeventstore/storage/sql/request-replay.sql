-- An operator asks for a subscription's parked events to be delivered again: its holder replays them in event
-- order. Inputs: :subscription_ids (a partitioned subscription's rows).
UPDATE ${schema}.jes_parked SET status = 'replay' WHERE subscription_id = ANY (:subscription_ids) AND status = 'parked'
