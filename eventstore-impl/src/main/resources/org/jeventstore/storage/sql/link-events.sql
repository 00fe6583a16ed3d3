-- Links existing events into a stream: each keeps its original stream and version (taken from its row in that
-- original stream, which exists from the append on, before the event has a $all position) and gets the next
-- versions of the target stream. Does not touch $all. The target stream is announced at commit by the streams
-- trigger, also when an append earlier in the same transaction deferred its own announcement.
-- Parameter 1: event ids, in order.
WITH input AS (
  SELECT * FROM unnest(?::uuid[]) WITH ORDINALITY AS i(event_id, ord)
),
stream AS (
/*STREAM*/
)
INSERT INTO ${schema}.stream_events
  (event_id, stream_id, stream_version, original_stream_id, original_stream_version)
SELECT i.event_id, s.stream_id, s.new_version - c.n + i.ord, o.original_stream_id, o.original_stream_version
FROM input i
JOIN ${schema}.stream_events o ON o.event_id = i.event_id AND o.stream_id = o.original_stream_id,
     stream s, (SELECT count(*) AS n, set_config('jeventstore.defer_notify', 'off', true) AS quiet FROM input) c
RETURNING stream_version
