-- A page of $all from a position upward. Inputs: :all_stream_id (always 0, $all's internal id), :from, :count.
-- $all's id is an input, not a constant nor hidden in a subquery: PostgreSQL plans the first executions of a prepared
-- statement with its inputs' values, and knowing the value it sees that $all is the biggest stream and walks its
-- index in order (also in the generic plan it keeps later; PageReadPlanTest). Hidden, the id looked like that of an
-- average stream, and on a store of few long streams the planner joined every event from the page's start to the end
-- of $all and sorted them to return the first few. The rows come straight from the ordered walk: no sort.
SELECT se.stream_version AS event_number, e.event_id, s.stream_uuid, se.original_stream_version,
       e.event_type, e.causation_id, e.correlation_id, e.data, e.metadata, e.created_at
FROM ${schema}.stream_events se
JOIN ${schema}.streams s ON s.stream_id = se.original_stream_id
JOIN ${schema}.events e ON e.event_id = se.event_id
WHERE se.stream_id = :all_stream_id::bigint AND se.stream_version >= :from
ORDER BY se.stream_version ASC
LIMIT :count
