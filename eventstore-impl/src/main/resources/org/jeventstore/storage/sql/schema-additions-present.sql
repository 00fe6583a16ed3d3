-- Whether jeventstore's own tables are in the schema. Parameter: the quoted schema.
SELECT to_regclass(q || '.jes_unlinked') IS NOT NULL AND to_regclass(q || '.jes_set_aside') IS NOT NULL
FROM (SELECT ?::text AS q) s
