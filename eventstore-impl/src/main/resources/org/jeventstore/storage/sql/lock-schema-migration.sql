-- Serializes schema creation and migration across servers starting at once; released at commit.
SELECT pg_advisory_xact_lock(hashtext('jeventstore.migrate:' || :schema_name))
