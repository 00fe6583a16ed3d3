-- A holding ended from outside its worker (a handler call past its deadline, a close that could not wait): its
-- epoch advances, so that nothing it still tries to save or park is accepted, while a newer holding that took over
-- meanwhile is left alone. Inputs: :subscription_id, :epoch (the holding's).
UPDATE ${schema}.jes_subscription_holders SET epoch = epoch + 1
WHERE subscription_id = :subscription_id AND epoch = :epoch
