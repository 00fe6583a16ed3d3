-- Whether jeventstore's own tables are in the schema. Parameter: the quoted schema.
SELECT to_regclass(s.name || '.jes_unlinked') IS NOT NULL
   AND to_regclass(s.name || '.jes_set_aside') IS NOT NULL
   AND to_regclass(s.name || '.jes_subscription_holders') IS NOT NULL
   AND to_regclass(s.name || '.jes_parked') IS NOT NULL
   AND to_regclass(s.name || '.jes_subscription_layout') IS NOT NULL
   AND EXISTS (SELECT 1 FROM pg_attribute
               WHERE attrelid = to_regclass(s.name || '.jes_set_aside') AND attname = 'held_behind')
   -- the streams trigger's function knows jeventstore.defer_notify = 'all' (issue 24)
   AND EXISTS (SELECT 1 FROM pg_proc
               WHERE oid = to_regprocedure(s.name || '.notify_events()') AND prosrc LIKE '%deferred = ''all''%')
FROM (SELECT ?::text AS name) s
