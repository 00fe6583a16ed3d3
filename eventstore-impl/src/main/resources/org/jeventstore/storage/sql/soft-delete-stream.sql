UPDATE ${schema}.streams SET deleted_at = now() WHERE stream_id = :stream_id
