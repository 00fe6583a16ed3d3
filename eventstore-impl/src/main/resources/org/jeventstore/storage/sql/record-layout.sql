-- Records a subscription's partition count when none is recorded yet, and returns the one recorded (the first
-- server to get here wins; a server configured otherwise then stands by).
-- Inputs: :subscription_id (the row), :partitions.
WITH inserted AS (
  INSERT INTO ${schema}.jes_subscription_layout (subscription_id, partitions) VALUES (:subscription_id, :partitions)
  ON CONFLICT (subscription_id) DO NOTHING
  RETURNING partitions
)
SELECT partitions FROM inserted
UNION ALL
SELECT partitions FROM ${schema}.jes_subscription_layout
WHERE subscription_id = :subscription_id AND NOT EXISTS (SELECT 1 FROM inserted)
