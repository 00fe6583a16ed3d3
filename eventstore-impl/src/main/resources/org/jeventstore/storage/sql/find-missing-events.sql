-- The first of the given event ids that is not in the store, if any.
SELECT i.event_id
FROM unnest(:event_ids::uuid[]) WITH ORDINALITY AS i(event_id, ord)
LEFT JOIN ${schema}.events e ON e.event_id = i.event_id
WHERE e.event_id IS NULL
ORDER BY i.ord
LIMIT 1
