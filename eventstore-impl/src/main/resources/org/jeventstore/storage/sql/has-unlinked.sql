SELECT EXISTS (SELECT 1 FROM ${schema}.jes_unlinked)
