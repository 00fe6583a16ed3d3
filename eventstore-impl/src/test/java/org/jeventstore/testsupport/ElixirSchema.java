package org.jeventstore.testsupport;

/**
 * A schema as Elixir EventStore 1.4's init makes it (layout version 1.3.2, shared/design/ELIXIR-SCHEMA.md), with
 * the data and metadata columns of the given type (its column_data_type setting): no jeventstore objects at all.
 */
public final class ElixirSchema {

    private ElixirSchema() {
    }

    public static void create(TestStores stores, String schema, String columnType) {
        String s = '"' + schema + '"';
        stores.execute("CREATE SCHEMA " + s);
        stores.execute("CREATE TABLE " + s + ".streams (stream_id bigserial PRIMARY KEY NOT NULL,"
                + " stream_uuid text NOT NULL, stream_version bigint DEFAULT 0 NOT NULL,"
                + " created_at timestamptz DEFAULT now() NOT NULL, deleted_at timestamptz)");
        stores.execute("CREATE UNIQUE INDEX ix_streams_stream_uuid ON " + s + ".streams (stream_uuid)");
        stores.execute("CREATE TABLE " + s + ".events (event_id uuid PRIMARY KEY NOT NULL, event_type text NOT NULL,"
                + " causation_id uuid NULL, correlation_id uuid NULL, data " + columnType + " NOT NULL,"
                + " metadata " + columnType + " NULL, created_at timestamptz DEFAULT now() NOT NULL)");
        stores.execute("CREATE TABLE " + s + ".stream_events (event_id uuid NOT NULL REFERENCES " + s
                + ".events (event_id), stream_id bigint NOT NULL REFERENCES " + s + ".streams (stream_id),"
                + " stream_version bigint NOT NULL, original_stream_id bigint REFERENCES " + s
                + ".streams (stream_id), original_stream_version bigint, PRIMARY KEY (event_id, stream_id))");
        stores.execute("CREATE UNIQUE INDEX ix_stream_events ON " + s + ".stream_events (stream_id, stream_version)");
        stores.execute("CREATE FUNCTION " + s + ".event_store_exception() RETURNS trigger AS $$ BEGIN"
                + " RAISE EXCEPTION USING MESSAGE = 'EventStore: ' || TG_ARGV[0]; END; $$ LANGUAGE plpgsql");
        stores.execute("CREATE FUNCTION " + s + ".event_store_delete() RETURNS trigger AS $$ BEGIN"
                + " IF current_setting('eventstore.enable_hard_deletes', true) = 'on'"
                + " OR current_setting('eventstore.reset', true) = 'on' THEN RETURN OLD; END IF;"
                + " RAISE EXCEPTION USING MESSAGE = 'EventStore: ' || TG_ARGV[0], ERRCODE = 'feature_not_supported';"
                + " END; $$ LANGUAGE plpgsql");
        trigger(stores, s, "no_delete_streams", "DELETE", "streams", "event_store_delete", "Cannot delete streams");
        trigger(stores, s, "no_delete_events", "DELETE", "events", "event_store_delete", "Cannot delete events");
        trigger(stores, s, "no_update_events", "UPDATE", "events", "event_store_exception", "Cannot update events");
        trigger(stores, s, "no_delete_stream_events", "DELETE", "stream_events", "event_store_delete",
                "Cannot delete stream events");
        trigger(stores, s, "no_update_stream_events", "UPDATE", "stream_events", "event_store_exception",
                "Cannot update stream events");
        stores.execute("CREATE FUNCTION " + s + ".notify_events() RETURNS trigger AS $$"
                + " DECLARE first_version bigint; BEGIN"
                + " IF TG_OP = 'UPDATE' THEN first_version := OLD.stream_version + 1; ELSE first_version := 1; END IF;"
                + " PERFORM pg_notify(TG_TABLE_SCHEMA || '.events', NEW.stream_uuid || ',' || NEW.stream_id || ','"
                + " || first_version || ',' || NEW.stream_version); RETURN NULL; END; $$ LANGUAGE plpgsql");
        stores.execute("INSERT INTO " + s + ".streams (stream_id, stream_uuid, stream_version) VALUES (0, '$all', 0)");
        stores.execute("CREATE TRIGGER event_notification AFTER INSERT OR UPDATE ON " + s + ".streams"
                + " FOR EACH ROW EXECUTE PROCEDURE " + s + ".notify_events()");
        stores.execute("CREATE TABLE " + s + ".subscriptions (subscription_id bigserial PRIMARY KEY NOT NULL,"
                + " stream_uuid text NOT NULL, subscription_name text NOT NULL, last_seen bigint NULL,"
                + " created_at timestamptz DEFAULT now() NOT NULL)");
        stores.execute("CREATE UNIQUE INDEX ix_subscriptions_stream_uuid_subscription_name ON " + s
                + ".subscriptions (stream_uuid, subscription_name)");
        stores.execute("CREATE TABLE " + s + ".snapshots (source_uuid text PRIMARY KEY NOT NULL,"
                + " source_version bigint NOT NULL, source_type text NOT NULL, data " + columnType + " NOT NULL,"
                + " metadata " + columnType + " NULL, created_at timestamptz DEFAULT now() NOT NULL)");
        stores.execute("CREATE TABLE " + s + ".schema_migrations (major_version int NOT NULL,"
                + " minor_version int NOT NULL, patch_version int NOT NULL,"
                + " migrated_at timestamptz DEFAULT now() NOT NULL,"
                + " PRIMARY KEY (major_version, minor_version, patch_version))");
        stores.execute("INSERT INTO " + s + ".schema_migrations (major_version, minor_version, patch_version)"
                + " VALUES (1, 3, 2)");
    }

    private static void trigger(TestStores stores, String s, String name, String op, String table, String function,
                                String message) {
        stores.execute("CREATE TRIGGER " + name + " BEFORE " + op + " ON " + s + "." + table
                + " FOR EACH STATEMENT EXECUTE PROCEDURE " + s + "." + function + "('" + message + "')");
    }

    /**
     * Appends one event as an Elixir writer does: the stream's row, the $all row, the event and its two
     * stream_events rows, in one transaction. {@code dataSql} and {@code metadataSql} are SQL expressions of the
     * column type (e.g. {@code convert_to('{"a":1}', 'UTF8')} for JSON in bytea).
     */
    public static void append(TestStores stores, String schema, String stream, java.util.UUID id, String type,
                       String dataSql, String metadataSql) {
        String s = '"' + schema + '"';
        stores.execute("WITH st AS (INSERT INTO " + s + ".streams AS x (stream_uuid, stream_version) VALUES ('"
                + stream + "', 1) ON CONFLICT (stream_uuid) DO UPDATE SET stream_version = x.stream_version + 1"
                + " RETURNING stream_id, stream_version),"
                + " g AS (UPDATE " + s + ".streams SET stream_version = stream_version + 1 WHERE stream_id = 0"
                + " RETURNING stream_version),"
                + " e AS (INSERT INTO " + s + ".events (event_id, event_type, data, metadata) VALUES ('" + id + "', '"
                + type + "', " + dataSql + ", " + metadataSql + ") RETURNING event_id)"
                + " INSERT INTO " + s + ".stream_events (event_id, stream_id, stream_version, original_stream_id,"
                + " original_stream_version)"
                + " SELECT e.event_id, st.stream_id, st.stream_version, st.stream_id, st.stream_version FROM e, st"
                + " UNION ALL SELECT e.event_id, 0, g.stream_version, st.stream_id, st.stream_version FROM e, st, g");
    }
}
