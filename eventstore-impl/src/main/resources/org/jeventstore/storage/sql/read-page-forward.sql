-- A page of a stream's events from a version upward (parameters after the target's: from, count), with the
-- stream's own row in the same round trip: the "target" CTE (target-*.sql) finds the stream (by name, by
-- internal id, or $all = 0). No row at all: the stream does not exist; "deleted": it is soft deleted; one row
-- with a null event: the page is empty.
WITH target AS (
/*TARGET*/
),
page AS (
  SELECT se.stream_version AS event_number, e.event_id, s.stream_uuid, se.original_stream_version,
         e.event_type, e.causation_id, e.correlation_id, e.data, e.metadata, e.created_at
  FROM ${schema}.stream_events se
  JOIN ${schema}.streams s ON s.stream_id = se.original_stream_id
  JOIN ${schema}.events e ON e.event_id = se.event_id
  WHERE se.stream_id = (SELECT stream_id FROM target) AND se.stream_version >= ?
    AND (SELECT deleted_at FROM target) IS NULL
  ORDER BY se.stream_version ASC
  LIMIT ?
)
SELECT t.stream_id, t.deleted_at IS NOT NULL AS deleted, p.*
FROM target t LEFT JOIN page p ON true
ORDER BY p.event_number ASC
