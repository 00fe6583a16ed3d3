-- Empties the store and restarts every counter. TRUNCATE fires no row triggers.
TRUNCATE ${schema}.snapshots, ${schema}.subscriptions, ${schema}.stream_events, ${schema}.events,
  ${schema}.streams, ${schema}.jes_unlinked, ${schema}.jes_set_aside, ${schema}.jes_subscription_holders,
  ${schema}.jes_parked, ${schema}.jes_subscription_layout RESTART IDENTITY;
INSERT INTO ${schema}.streams (stream_id, stream_uuid, stream_version) VALUES (0, '$all', 0);
