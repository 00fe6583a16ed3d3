-- Whether a subscription still exists and which epoch holds it now (null when it was never taken).
-- Inputs: :subscription_id.
SELECT h.epoch
FROM ${schema}.subscriptions s LEFT JOIN ${schema}.jes_subscription_holders h USING (subscription_id)
WHERE s.subscription_id = :subscription_id
