SELECT to_regclass(? || '.jes_unlinked') IS NOT NULL AND to_regclass(? || '.jes_set_aside') IS NOT NULL
