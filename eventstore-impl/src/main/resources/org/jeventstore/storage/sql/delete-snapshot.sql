DELETE FROM ${schema}.snapshots WHERE source_uuid = :source_uuid
