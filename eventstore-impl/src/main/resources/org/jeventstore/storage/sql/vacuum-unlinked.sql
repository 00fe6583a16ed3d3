-- Frequent vacuuming of jes_unlinked (LinkPasses.vacuum), without truncating its empty tail pages: truncation needs
-- the table's ACCESS EXCLUSIVE lock, which appends inserting into it keep taking away, and VACUUM retries it for up
-- to 5 s (wait event Timeout:VacuumTruncate) on the linker's own thread, so that $all stalled for seconds under
-- load (issue 24: W3 in committed mode, oldest waiting append 0.9-2.9 s). The pages are reused by the next inserts.
VACUUM (TRUNCATE false) ${schema}.jes_unlinked
