-- Whether jeventstore's own tables are in the schema. Inputs: :quoted_schema.
SELECT to_regclass(s.name || '.jes_unlinked') IS NOT NULL
   AND to_regclass(s.name || '.jes_set_aside') IS NOT NULL
   AND to_regclass(s.name || '.jes_subscription_holders') IS NOT NULL
   AND to_regclass(s.name || '.jes_parked') IS NOT NULL
   AND to_regclass(s.name || '.jes_subscription_layout') IS NOT NULL
   AND EXISTS (SELECT 1 FROM pg_attribute
               WHERE attrelid = to_regclass(s.name || '.jes_set_aside') AND attname = 'held_behind')
FROM (SELECT :quoted_schema::text AS name) s
