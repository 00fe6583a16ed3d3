  -- the stream whose internal id is parameter 1 (a lazy read that has found it already)
  SELECT ?::bigint AS stream_id, NULL::timestamptz AS deleted_at
