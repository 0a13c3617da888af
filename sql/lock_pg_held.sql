-- PostgreSQL only: whether this session still holds the home's run lock (1) or not (0).
select count(*)
from pg_locks as l
where l.locktype = 'advisory'
  and cast(l.classid as bigint) = :classid
  and cast(l.objid as bigint) = :objid
  and l.objsubid = 2
  and l.granted
  and l.pid = pg_backend_pid()
