-- Links existing events into a stream: each keeps its original stream and version (taken from its row in that
-- original stream, which exists from the append on, before the event has a $all position) and gets the next
-- versions of the target stream. Does not touch $all. Announces nothing in this transaction (defer_notify 'all'
-- silences the streams trigger): the appender announces the target's range after the commit (Notifier.java).
-- Parameter 1: event ids, in order. Returns each link's version and the target's stream id.
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
     stream s, (SELECT count(*) AS n, set_config('jeventstore.defer_notify', 'all', true) AS quiet FROM input) c
RETURNING stream_version, stream_id
