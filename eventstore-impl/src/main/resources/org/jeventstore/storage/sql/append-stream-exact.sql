  -- expected version exactly n > 0. A concurrent writer that got the row lock first leaves the version past n,
  -- so the re-checked condition fails and this returns no row. Inputs: :stream_uuid, :expected_version.
  UPDATE ${schema}.streams SET stream_version = stream_version + (SELECT count(*) FROM input)
  WHERE stream_uuid = :stream_uuid AND deleted_at IS NULL AND stream_version = :expected_version
  RETURNING stream_id, stream_version AS new_version
