  -- $all, stream 0
  SELECT 0::bigint AS stream_id, NULL::timestamptz AS deleted_at
