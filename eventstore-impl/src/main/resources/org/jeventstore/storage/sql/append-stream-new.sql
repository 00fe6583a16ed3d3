  -- expected version "no stream": create it; a concurrent creator makes this return no row. Input: :stream_uuid.
  INSERT INTO ${schema}.streams (stream_uuid, stream_version)
  SELECT :stream_uuid, count(*) FROM input
  ON CONFLICT (stream_uuid) DO NOTHING
  RETURNING stream_id, stream_version AS new_version
