-- Whether the schema's protection triggers are exactly those of table-protection.sql: each by name on its table,
-- BEFORE, statement-level (tgtype 18 = BEFORE UPDATE, 10 = BEFORE DELETE, no ROW bit), calling the schema's
-- function with its one message argument, and functions that raise that argument. Inputs: :quoted_schema.
WITH s AS (
  SELECT :quoted_schema::text AS quoted
),
expected (name, tbl, tgtype, fn, message) AS (VALUES
  ('no_update_events', 'events', 18, 'event_store_exception', 'Cannot update events'),
  ('no_delete_events', 'events', 10, 'event_store_delete', 'Cannot delete events'),
  ('no_update_stream_events', 'stream_events', 18, 'event_store_exception', 'Cannot update stream events'),
  ('no_delete_stream_events', 'stream_events', 10, 'event_store_delete', 'Cannot delete stream events'),
  ('no_delete_streams', 'streams', 10, 'event_store_delete', 'Cannot delete streams')
)
SELECT count(*) = 5
FROM expected x
CROSS JOIN s
JOIN pg_trigger t ON t.tgname = x.name AND t.tgrelid = to_regclass(s.quoted || '.' || x.tbl)
JOIN pg_proc p ON p.oid = t.tgfoid AND p.proname = x.fn
  AND p.pronamespace = (SELECT relnamespace FROM pg_class WHERE oid = t.tgrelid)
WHERE t.tgtype = x.tgtype
  AND t.tgnargs = 1
  AND t.tgargs = convert_to(x.message, 'UTF8') || '\x00'::bytea
  AND p.prosrc LIKE '%TG_ARGV[0]%'
