-- The lock session's own limit on silence: PostgreSQL ends the session, and frees its advisory locks, once the
-- server has sent nothing for this long (a partition, a dead host). NULL before PostgreSQL 14, which lacks it.
-- Inputs: :timeout (a duration PostgreSQL reads, e.g. '11600ms').
SELECT CASE WHEN current_setting('server_version_num')::int >= 140000
            THEN set_config('idle_session_timeout', :timeout, false) END
