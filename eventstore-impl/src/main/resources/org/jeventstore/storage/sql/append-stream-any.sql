  -- expected version "any": create the stream or bump it, unless it is soft deleted. Input: :stream_uuid.
  INSERT INTO ${schema}.streams AS st (stream_uuid, stream_version)
  SELECT :stream_uuid, count(*) FROM input
  ON CONFLICT (stream_uuid) DO UPDATE SET stream_version = st.stream_version + EXCLUDED.stream_version
    WHERE st.deleted_at IS NULL
  RETURNING st.stream_id, st.stream_version AS new_version
