-- A server took the subscription's advisory lock: advance the subscription's epoch and return it (no row when the
-- subscription was deleted). Run in a transaction, before reading the checkpoint: the holders row stays locked
-- until commit, so an earlier holder's checkpoint save (which locks that row first) has either committed before
-- and is seen by the checkpoint read, or waits and is then refused. Inputs: :subscription_id.
INSERT INTO ${schema}.jes_subscription_holders AS h (subscription_id, epoch)
SELECT subscription_id, 1 FROM ${schema}.subscriptions WHERE subscription_id = :subscription_id
ON CONFLICT (subscription_id) DO UPDATE SET epoch = h.epoch + 1, taken_at = now()
RETURNING h.epoch
