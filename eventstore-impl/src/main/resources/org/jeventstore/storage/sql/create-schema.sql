-- The Elixir EventStore 1.4 layout (schema version 1.3.2). See shared/design/ELIXIR-SCHEMA.md.
-- ${schema} is the validated, quoted schema name; ${datatype} the JSON columns' type, jsonb or bytea (Elixir's
-- column_data_type; setting eventstore.column-data-type); everything else here is literal.
CREATE SCHEMA IF NOT EXISTS ${schema};

CREATE TABLE ${schema}.schema_migrations (
  major_version integer NOT NULL,
  minor_version integer NOT NULL,
  patch_version integer NOT NULL,
  migrated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (major_version, minor_version, patch_version)
);

CREATE TABLE ${schema}.streams (
  stream_id bigserial PRIMARY KEY NOT NULL,
  stream_uuid text NOT NULL,
  stream_version bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX ix_streams_stream_uuid ON ${schema}.streams (stream_uuid);

-- Stream 0 is the global log: its stream_version is the last $all position taken.
INSERT INTO ${schema}.streams (stream_id, stream_uuid, stream_version) VALUES (0, '$all', 0);

CREATE TABLE ${schema}.events (
  event_id uuid PRIMARY KEY NOT NULL,
  event_type text NOT NULL,
  causation_id uuid,
  correlation_id uuid,
  data ${datatype} NOT NULL,
  metadata ${datatype},
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One deviation from Elixir's layout (issue 15, docs/benchmarks.md): stream_id and original_stream_id carry no
-- foreign key to streams. Each such check share-locks the referenced streams row, and every $all row references
-- stream 0, so concurrent appends and linker passes all took key-share locks (and multixacts) on one row; without
-- them 100-event appends ran 1.1-1.6x and 8 writers 1.2x faster. Nothing relied on them: an append writes its stream
-- rows only through the stream row it holds locked (append-events.sql), a hard delete locks that row before it
-- deletes (Streams.delete), and the key on event_id, kept, still refuses a link to an event that is gone (Elixir
-- maps that error to "not found"). A schema Elixir created keeps its keys; nothing here adds or drops them.
CREATE TABLE ${schema}.stream_events (
  event_id uuid NOT NULL REFERENCES ${schema}.events (event_id),
  stream_id bigint NOT NULL,
  stream_version bigint NOT NULL,
  original_stream_id bigint,
  original_stream_version bigint,
  PRIMARY KEY (event_id, stream_id)
);
CREATE UNIQUE INDEX ix_stream_events ON ${schema}.stream_events (stream_id, stream_version);

CREATE TABLE ${schema}.subscriptions (
  subscription_id bigserial PRIMARY KEY NOT NULL,
  stream_uuid text NOT NULL,
  subscription_name text NOT NULL,
  last_seen bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ix_subscriptions_stream_uuid_subscription_name
  ON ${schema}.subscriptions (stream_uuid, subscription_name);

CREATE TABLE ${schema}.snapshots (
  source_uuid text PRIMARY KEY NOT NULL,
  source_version bigint NOT NULL,
  source_type text NOT NULL,
  data ${datatype} NOT NULL,
  metadata ${datatype},
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The notify_events() function comes from schema-additions.sql, run before this file.
CREATE TRIGGER event_notification AFTER INSERT OR UPDATE ON ${schema}.streams
  FOR EACH ROW EXECUTE PROCEDURE ${schema}.notify_events();

-- The protection triggers come from table-protection.sql, run after this file.

INSERT INTO ${schema}.schema_migrations (major_version, minor_version, patch_version) VALUES (1, 3, 2);
