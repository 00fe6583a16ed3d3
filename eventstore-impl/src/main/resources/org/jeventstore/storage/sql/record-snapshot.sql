-- Data and metadata are JSON text; the json markers store it as the column type wants (DataFormat.java).
INSERT INTO ${schema}.snapshots (source_uuid, source_version, source_type, data, metadata)
VALUES (:source_uuid, :source_version, :source_type, ${json::data}, ${json::metadata})
ON CONFLICT (source_uuid) DO UPDATE
  SET source_version = EXCLUDED.source_version, source_type = EXCLUDED.source_type, data = EXCLUDED.data,
      metadata = EXCLUDED.metadata, created_at = now()
