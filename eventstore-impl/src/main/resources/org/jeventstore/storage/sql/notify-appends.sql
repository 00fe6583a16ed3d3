-- Announces committed appends on the store's channel (parameter 1, '<schema>.events'), one notification per payload
-- of parameter 2, in its order, all in this statement's own short transaction (Notifier.java). Nothing durable
-- depends on this transaction, so its commit does not wait for the WAL flush (synchronous_commit off, local to
-- it): it holds PostgreSQL's lock on notifying commits only briefly. Listeners are signalled at the commit itself;
-- a crash before the flush can only undo a notification that was already delivered, of appends whose own commits
-- were flushed.
SELECT pg_notify(?, payload), set_config('synchronous_commit', 'off', true)
FROM unnest(?::text[]) AS p(payload)
