SELECT to_regclass(:quoted_schema || '.schema_migrations') IS NOT NULL
