-- An operator asks for a subscription's parked events to be delivered again: its holder replays them in event
-- order. Parameter: subscription ids (a partitioned subscription's rows).
UPDATE ${schema}.jes_parked SET status = 'replay' WHERE subscription_id = ANY (?) AND status = 'parked'
