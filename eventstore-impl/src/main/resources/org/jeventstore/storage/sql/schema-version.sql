SELECT major_version, minor_version, patch_version
FROM ${schema}.schema_migrations
ORDER BY major_version DESC, minor_version DESC, patch_version DESC
LIMIT 1
