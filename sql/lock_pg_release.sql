-- PostgreSQL only: let the home's run lock go.
select pg_advisory_unlock(cast(:classid as integer), cast(:objid as integer))
