-- Elixir EventStore's table protection, as its init creates it (shared/design/ELIXIR-SCHEMA.md, "Protection"):
-- statement-level triggers, each passing its message as the trigger argument. Updates of events and
-- stream_events are always refused (SQLSTATE P0001, RAISE's default); deletes from streams, events and
-- stream_events only while the transaction-local setting eventstore.enable_hard_deletes (or eventstore.reset) is
-- on (SQLSTATE 0A000). Run after create-schema.sql on a fresh schema, and alone (in one transaction) on a schema
-- whose triggers differ (an earlier jeventstore made them row-level with messages of its own).
CREATE OR REPLACE FUNCTION ${schema}.event_store_exception() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'EventStore: ' || TG_ARGV[0];
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ${schema}.event_store_delete() RETURNS trigger AS $$
BEGIN
  IF current_setting('eventstore.enable_hard_deletes', true) = 'on'
     OR current_setting('eventstore.reset', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION USING MESSAGE = 'EventStore: ' || TG_ARGV[0], ERRCODE = 'feature_not_supported';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS no_update_events ON ${schema}.events;
CREATE TRIGGER no_update_events BEFORE UPDATE ON ${schema}.events
  FOR EACH STATEMENT EXECUTE PROCEDURE ${schema}.event_store_exception('Cannot update events');

DROP TRIGGER IF EXISTS no_delete_events ON ${schema}.events;
CREATE TRIGGER no_delete_events BEFORE DELETE ON ${schema}.events
  FOR EACH STATEMENT EXECUTE PROCEDURE ${schema}.event_store_delete('Cannot delete events');

DROP TRIGGER IF EXISTS no_update_stream_events ON ${schema}.stream_events;
CREATE TRIGGER no_update_stream_events BEFORE UPDATE ON ${schema}.stream_events
  FOR EACH STATEMENT EXECUTE PROCEDURE ${schema}.event_store_exception('Cannot update stream events');

DROP TRIGGER IF EXISTS no_delete_stream_events ON ${schema}.stream_events;
CREATE TRIGGER no_delete_stream_events BEFORE DELETE ON ${schema}.stream_events
  FOR EACH STATEMENT EXECUTE PROCEDURE ${schema}.event_store_delete('Cannot delete stream events');

DROP TRIGGER IF EXISTS no_delete_streams ON ${schema}.streams;
CREATE TRIGGER no_delete_streams BEFORE DELETE ON ${schema}.streams
  FOR EACH STATEMENT EXECUTE PROCEDURE ${schema}.event_store_delete('Cannot delete streams');
