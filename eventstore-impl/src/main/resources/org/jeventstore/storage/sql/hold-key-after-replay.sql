-- A replayed event failed again and is parked again: the later events of its key that were to be replayed stay
-- parked behind it. Inputs: :subscription_id, :partition_key, :event_number.
UPDATE ${schema}.jes_parked SET status = 'parked'
WHERE subscription_id = :subscription_id AND status = 'replay' AND partition_key = :partition_key
  AND event_number > :event_number
