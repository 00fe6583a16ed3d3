-- jeventstore's own objects, on top of the Elixir layout. Idempotent: run before create-schema.sql on a fresh
-- schema, and alone on a schema created by Elixir EventStore or an earlier jeventstore.
CREATE SCHEMA IF NOT EXISTS ${schema};

-- Appends waiting for their $all positions: one row per append, written in the append's own statement and
-- removed by the linker (Linker.java, link-pending.sql) when it gives the events their $all rows. The id orders
-- the appends of one stream: a later append takes its id only after the earlier one committed.
CREATE TABLE IF NOT EXISTS ${schema}.jes_unlinked (
  id bigserial PRIMARY KEY,
  stream_id bigint NOT NULL,
  first_version bigint NOT NULL,
  last_version bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A hard delete removes a stream's waiting appends by stream id.
CREATE INDEX IF NOT EXISTS jes_unlinked_stream_id ON ${schema}.jes_unlinked (stream_id);

-- Appends that a linker pass could not link even alone (BackgroundLinker): taken out of jes_unlinked so that the
-- appends of other streams keep flowing, and kept here, with the error, for an operator. Their events stay in
-- their stream; moving a row back into jes_unlinked (same id) has the linker try it again.
CREATE TABLE IF NOT EXISTS ${schema}.jes_set_aside (
  id bigint PRIMARY KEY,
  stream_id bigint NOT NULL,
  first_version bigint NOT NULL,
  last_version bigint NOT NULL,
  created_at timestamptz NOT NULL,
  set_aside_at timestamptz NOT NULL DEFAULT now(),
  error text NOT NULL
);

-- An append set aside keeps the later appends of its stream behind it, so that the stream keeps its order in $all:
-- the linker moves them here too, each with held_behind = the id of the set-aside append it waits for (NULL for
-- the set-aside append itself), and appends of a stream with rows here are never linked inline
-- (append-events.sql). EventStoreOperations.retrySetAside moves a stream's rows back together, ids unchanged.
ALTER TABLE ${schema}.jes_set_aside ADD COLUMN IF NOT EXISTS held_behind bigint;
CREATE INDEX IF NOT EXISTS jes_set_aside_stream_id ON ${schema}.jes_set_aside (stream_id, id);

-- Every change of a stream's version announces the new range on channel '<schema>.events' at commit:
-- 'stream_uuid,stream_id,first_version,last_version'. A soft delete announces an empty range (first > last).
-- A jeventstore append sets the transaction-local jeventstore.defer_notify: its stream is announced by the
-- linker once the events are in $all, so appending transactions never notify (PostgreSQL serializes the
-- commits of notifying transactions). Elixir writers never set it and notify as before.
CREATE OR REPLACE FUNCTION ${schema}.notify_events() RETURNS trigger AS $$
DECLARE
  first_version bigint;
BEGIN
  IF NEW.stream_id <> 0 AND coalesce(current_setting('jeventstore.defer_notify', true), '') = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    first_version := OLD.stream_version + 1;
  ELSE
    first_version := 1;
  END IF;
  PERFORM pg_notify(TG_TABLE_SCHEMA || '.events',
                    NEW.stream_uuid || ',' || NEW.stream_id || ',' || first_version || ',' || NEW.stream_version);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Fencing of persistent subscriptions: the epoch of the current holding of each subscription, advanced by every
-- server that takes the subscription's advisory lock (take-over-subscription.sql). A checkpoint save carries its
-- holder's epoch and is refused once a newer holder has taken over (save-checkpoint.sql), so a server whose lock
-- session died while its handler ran can never save over the newer holder's progress. A table of its own, not a
-- column of subscriptions, so that Elixir's statements and its TRUNCATE of subscriptions never see it (hence no
-- foreign key either: a row left behind by Elixir's delete only keeps counting up).
CREATE TABLE IF NOT EXISTS ${schema}.jes_subscription_holders (
  subscription_id bigint PRIMARY KEY,
  epoch bigint NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now()
);

-- Poison events parked by persistent subscriptions (maxAttempts with OnExhausted.PARK, ParkedEvents.java): one row
-- per (subscription, event), written before the event counts as acknowledged, so the checkpoint passes an event
-- only once its row is committed. Rows above the checkpoint are in doubt (their holder may have crashed before
-- saving): the next holder deletes them when it takes over and delivers those events again, so a crash while
-- parking loses nothing and parks nothing twice. status: 'parked' (waiting for an operator), 'replay' (an
-- operator asked for redelivery; the holder delivers them in event_number order and deletes each once handled),
-- 'skipped' (an operator gave it up: the row stays with the reason, who and when). held_behind: the event of the
-- same partition key it waits behind (it was never delivered: parkHoldsKey). A table of its own without foreign
-- keys, like jes_subscription_holders: Elixir's statements never see it and its TRUNCATE of subscriptions still
-- works (a row left behind by Elixir's delete names a subscription id that is never used again).
CREATE TABLE IF NOT EXISTS ${schema}.jes_parked (
  subscription_id bigint NOT NULL,
  event_id uuid NOT NULL,
  event_number bigint NOT NULL,
  partition_key text,
  attempts int NOT NULL,
  error_type text,
  error_message text,
  held_behind bigint,
  parked_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'replay', 'skipped')),
  skip_reason text,
  skipped_by text,
  skipped_at timestamptz,
  PRIMARY KEY (subscription_id, event_id)
);

CREATE INDEX IF NOT EXISTS jes_parked_order ON ${schema}.jes_parked (subscription_id, event_number);

-- How many partitions a persistent subscription runs with in the cluster (its concurrencyLimit; 1 for a
-- single-active one), recorded once for the whole cluster on the subscription's own row id, so that no two servers
-- run it with different counts at once (each would deliver every event of a key: issue 20). A server configured
-- otherwise stands by; the count changes only while no server runs the recorded one (SubscriptionLayout.java).
CREATE TABLE IF NOT EXISTS ${schema}.jes_subscription_layout (
  subscription_id bigint PRIMARY KEY,
  partitions int NOT NULL CHECK (partitions >= 1),
  changed_at timestamptz NOT NULL DEFAULT now()
);
