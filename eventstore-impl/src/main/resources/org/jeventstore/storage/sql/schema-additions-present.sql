SELECT to_regclass(? || '.jes_unlinked') IS NOT NULL
