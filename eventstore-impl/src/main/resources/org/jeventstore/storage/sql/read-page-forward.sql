-- A page of a stream's events from a version upward (parameters after the target's: [0 for $all,] from, count).
-- The "target" CTE (target-*.sql) finds the stream: by name, by internal id, or $all. The stream id the rows are
-- matched on (the STREAM_ID marker) is, for $all, a parameter bound to 0, otherwise the target's. PostgreSQL plans
-- the first executions of a prepared statement with its parameters' values: hidden in the CTE, the id of $all
-- looked like that of an average stream, and for a store of few long streams the planner then joined every event
-- from the page's start to the end of $all and sorted them to return the first few. Given the value, it knows
-- $all is the biggest stream and walks its index in order, as does the generic plan it keeps later
-- (PageReadPlanTest). The rows come straight from that ordered walk: no sort over the joined rows.
-- No row: the page is empty, or the stream is missing or soft deleted (the reader asks which).
WITH target AS (
/*TARGET*/
)
SELECT se.stream_version AS event_number, e.event_id, s.stream_uuid, se.original_stream_version,
       e.event_type, e.causation_id, e.correlation_id, e.data, e.metadata, e.created_at
FROM ${schema}.stream_events se
JOIN ${schema}.streams s ON s.stream_id = se.original_stream_id
JOIN ${schema}.events e ON e.event_id = se.event_id
WHERE se.stream_id = /*STREAM_ID*/ AND se.stream_version >= ?
  AND (SELECT deleted_at FROM target) IS NULL
ORDER BY se.stream_version ASC
LIMIT ?
