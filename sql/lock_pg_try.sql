-- PostgreSQL only (the SQLite home is locked by a file): take the home's run lock, no wait.
select pg_try_advisory_lock(cast(:classid as integer), cast(:objid as integer))
