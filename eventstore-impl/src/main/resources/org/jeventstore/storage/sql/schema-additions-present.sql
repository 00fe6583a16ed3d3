SELECT to_regclass(s.name || '.jes_unlinked') IS NOT NULL
   AND to_regclass(s.name || '.jes_subscription_holders') IS NOT NULL
FROM (SELECT ?::text AS name) s
