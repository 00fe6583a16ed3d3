-- An operator's reset ends every holding of the subscription: its epoch advances in the reset's transaction, so a
-- holder that has lost its lock but not yet noticed (its session died while its handler ran) has its next
-- checkpoint save or parking refused instead of writing its old position over the reset; the next holder takes
-- over with a newer epoch still and resumes from the reset position. No row: never held, nothing to fence.
-- Inputs: :subscription_id.
UPDATE ${schema}.jes_subscription_holders SET epoch = epoch + 1 WHERE subscription_id = :subscription_id
