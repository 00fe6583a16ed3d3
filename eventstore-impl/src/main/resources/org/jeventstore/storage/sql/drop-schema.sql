-- Removes every object of the store (used by tests and tools; the schema itself is dropped by code when it is
-- not 'public').
DROP TABLE IF EXISTS ${schema}.snapshots, ${schema}.subscriptions, ${schema}.stream_events, ${schema}.events,
  ${schema}.streams, ${schema}.schema_migrations, ${schema}.jes_unlinked, ${schema}.jes_set_aside,
  ${schema}.jes_subscription_holders, ${schema}.jes_parked, ${schema}.jes_subscription_layout CASCADE;
DROP FUNCTION IF EXISTS ${schema}.notify_events(), ${schema}.event_store_exception(), ${schema}.event_store_delete();
