-- The types of the store's JSON columns (Elixir's column_data_type), as 'table.column', 'type'. Reads only the
-- catalog, so it never fails on a schema that is missing or half made. Inputs: :quoted_schema.
SELECT c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
WHERE a.attrelid IN (to_regclass(:quoted_schema || '.events'), to_regclass(:quoted_schema || '.snapshots'))
  AND a.attname IN ('data', 'metadata') AND a.attnum > 0 AND NOT a.attisdropped
