  -- the stream named by parameter 1
  SELECT stream_id, deleted_at FROM ${schema}.streams WHERE stream_uuid = ?
