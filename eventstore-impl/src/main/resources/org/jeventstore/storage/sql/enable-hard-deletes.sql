-- Transaction-local: it ends with the transaction and never leaks to the next user of a pooled connection.
SELECT set_config('eventstore.enable_hard_deletes', 'on', true)
