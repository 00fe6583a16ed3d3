VACUUM ${schema}.jes_unlinked
