  -- expected version "stream exists". Input: :stream_uuid.
  UPDATE ${schema}.streams SET stream_version = stream_version + (SELECT count(*) FROM input)
  WHERE stream_uuid = :stream_uuid AND deleted_at IS NULL
  RETURNING stream_id, stream_version AS new_version
